package scenarios

import (
	"fmt"
	"math"
	"strings"

	"github.com/faultline/faultline/network"
)

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

// netParam and linksParam are common parameters: they change the links of
// the cluster NewCluster builds, so every link knob (reordering, bandwidth,
// corruption, ...) can be set from the command line.
var (
	netParam = Param{Name: "net", Default: "", Kind: String, Validate: validNet,
		Help: "link spec applied on top of the scenario's links, to every link (" + network.LinkSyntax + "); empty: the scenario's links"}
	linksParam = Param{Name: "links", Default: "", Kind: String, Validate: validLinks,
		Help: "per-link specs on top of net, separated by ';': FROM-TO:SPEC, e.g. n1-n2:loss=0.5;n2-n1:reorder=0.2"}
)

func validNet(v string) error {
	if strings.TrimSpace(v) == "" {
		return nil
	}
	_, err := network.ParseLink(v)
	return err
}

// validLinks checks the form of a links value; node names are checked
// against the cluster's size when it is built.
func validLinks(v string) error {
	_, err := splitLinks(v, math.MaxInt32)
	return err
}

type linkSpec struct{ name, spec string }

// splitLinks parses "n1-n2:SPEC;n3-n1:SPEC" for a cluster of n nodes.
func splitLinks(v string, n int) ([]linkSpec, error) {
	var out []linkSpec
	for item := range strings.SplitSeq(v, ";") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		name, spec, ok := strings.Cut(item, ":")
		if !ok {
			return nil, fmt.Errorf("%q: want FROM-TO:SPEC, e.g. n1-n2:loss=0.5", item)
		}
		name = strings.TrimSpace(name)
		if _, _, err := network.ParseLinkName(name, n); err != nil {
			return nil, err
		}
		if _, err := network.ParseLink(spec); err != nil {
			return nil, fmt.Errorf("link %s: %w", name, err)
		}
		out = append(out, linkSpec{name, spec})
	}
	return out, nil
}

// applyLinkParams applies the common parameters net and links to a new
// network of n nodes: net on top of the scenario's links, then each link of
// links on top of that.
func applyLinkParams(nw *network.Network, s *Scenario, v Values, n int) error {
	// A scenario that declares net or links itself reads them its own way.
	common := func(name string) bool { return has(v, name) && (s == nil || !s.declares(name)) }
	if common("net") && strings.TrimSpace(v.String("net")) != "" {
		l, err := nw.Defaults().Override(v.String("net"))
		if err != nil {
			return fmt.Errorf("parameter net: %w", err)
		}
		if err := nw.SetDefaults(l); err != nil {
			return fmt.Errorf("parameter net: %w", err)
		}
	}
	if !common("links") {
		return nil
	}
	specs, err := splitLinks(v.String("links"), n)
	if err != nil {
		return fmt.Errorf("parameter links: %w", err)
	}
	for _, s := range specs {
		if err := nw.SetLinkSpec(s.name, s.spec); err != nil {
			return fmt.Errorf("parameter links: %w", err)
		}
	}
	return nil
}
