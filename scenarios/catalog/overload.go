package catalog

import (
	_ "github.com/faultline/faultline/scenarios/overload" // register the request-path scenarios
)
