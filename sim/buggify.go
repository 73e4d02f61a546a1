package sim

import (
	"maps"
	"slices"
)

// BuggifyEnableProb is the chance that a site is enabled in a run that
// turns buggify on. Half the sites per seed, as in FoundationDB, so that
// different seeds exercise different combinations of rare paths.
const BuggifyEnableProb = 0.5

// Buggify holds the BUGGIFY sites of one run: named places in simulated
// code that make a rare path common. Each site is enabled or disabled once
// per run, from the seed; an enabled site fires with the probability its
// caller gives. A nil *Buggify, or one made with on == false, never fires
// and draws nothing, so a run without buggify is unchanged.
//
// Each site draws from its own stream ("buggify/SITE"), so the decision
// for one site does not depend on which sites ran before it, and adding a
// site never shifts another site's draws.
type Buggify struct {
	w     *World
	on    bool
	sites map[string]bool // site → enabled
}

// NewBuggify returns the buggify state of w; on turns it on.
func NewBuggify(w *World, on bool) *Buggify {
	return &Buggify{w: w, on: on, sites: map[string]bool{}}
}

// On reports whether buggify is on for this run.
func (b *Buggify) On() bool { return b != nil && b.on }

// Enabled reports whether site is enabled in this run, deciding it on
// first use.
func (b *Buggify) Enabled(site string) bool {
	if !b.On() {
		return false
	}
	en, ok := b.sites[site]
	if !ok {
		en = b.w.Rand("buggify/"+site).Float64() < BuggifyEnableProb
		b.sites[site] = en
		if en {
			b.w.Trace(Record{Kind: "buggify", Node: -1, Peer: -1, Detail: site})
		}
	}
	return en
}

// Fire reports whether site fires now: it is enabled for this run and a
// draw from its stream falls below prob.
func (b *Buggify) Fire(site string, prob float64) bool {
	if !b.Enabled(site) {
		return false
	}
	return b.w.Rand("buggify/"+site).Float64() < prob
}

// Sites returns the sites this run enabled, sorted. A site is only known
// once the code reached it.
func (b *Buggify) Sites() []string {
	if b == nil {
		return nil
	}
	var out []string
	for _, s := range slices.Sorted(maps.Keys(b.sites)) {
		if b.sites[s] {
			out = append(out, s)
		}
	}
	return out
}
