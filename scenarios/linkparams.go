package scenarios

import "github.com/faultline/faultline/network"

// ModeParam declares mode=correct|buggy, the switch every scenario with a
// planted bug has; correct and buggy say what each mode does.
func ModeParam(correct, buggy string) Param {
	return Param{Name: "mode", Default: "correct", Kind: String, Choices: []string{"correct", "buggy"},
		Help: "correct: " + correct + "; buggy: " + buggy}
}

// LatencyParam declares latency, a link latency distribution.
func LatencyParam(def string) Param {
	return Param{Name: "latency", Default: def, Kind: String, Help: "link latency distribution: " + network.DistSyntax,
		Validate: network.ValidateDist}
}

// LossParam declares loss, the probability a message is lost; what names
// the messages ("message" if empty).
func LossParam(def, what string) Param {
	if what == "" {
		what = "message"
	}
	return Param{Name: "loss", Default: def, Kind: Prob, Help: "probability a " + what + " is lost"}
}

// DuplicateParam declares duplicate, the probability a message is
// delivered twice.
func DuplicateParam(def string) Param {
	return Param{Name: "duplicate", Default: def, Kind: Prob, Help: "probability a message is delivered twice"}
}

// Link returns the link the run's latency, loss and duplicate parameters
// describe; those the scenario does not declare stay zero.
func (v Values) Link() network.Link {
	var l network.Link
	if has(v, "latency") {
		l.Latency, _ = network.ParseDist(v.String("latency"))
	}
	if has(v, "loss") {
		l.Loss = v.Float("loss")
	}
	if has(v, "duplicate") {
		l.Duplicate = v.Float("duplicate")
	}
	return l
}
