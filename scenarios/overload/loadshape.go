package overload

import (
	"github.com/faultline/faultline/nodes/services"
	"github.com/faultline/faultline/nodes/services/load"
	"github.com/faultline/faultline/scenarios"
)

// LoadShapeParam is the parameter every request-path scenario takes to
// shape its offered load over time.
const LoadShapeParam = "load_shape"

// OfferedSeries is the series of requests issued per second, recorded
// when the load is shaped, so that a plot shows the shape.
const OfferedSeries = "offered_rps"

func loadShapeParam() scenarios.Param {
	return scenarios.Param{
		Name: LoadShapeParam, Default: "constant", Kind: scenarios.String,
		Help: "offered load over time, scaling the base rate: " + load.Syntax,
		Validate: func(v string) error {
			_, err := load.Parse(v)
			return err
		},
	}
}

// shapeOf returns the run's load shape.
func shapeOf(r *scenarios.Run) load.Shape {
	sh, _ := load.Parse(r.Params.String(LoadShapeParam)) // validated with the parameters
	return sh
}

// shaped applies the run's load shape to a client configuration.
func shaped(r *scenarios.Run, c services.ClientConfig) services.ClientConfig {
	sh := shapeOf(r)
	c.Shape = sh
	if !sh.IsConstant() {
		c.OfferedSeries = OfferedSeries
	}
	return c
}
