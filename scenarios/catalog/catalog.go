// Package catalog imports every built-in scenario so that they register.
package catalog

import (
	_ "github.com/faultline/faultline/scenarios/pingpong" // register
)
