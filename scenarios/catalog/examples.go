package catalog

import (
	_ "github.com/faultline/faultline/examples/register" // the user-written example protocol, so its docs' CLI lines run
)
