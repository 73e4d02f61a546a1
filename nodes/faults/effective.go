package faults

// NoOp reports whether f changes nothing by itself: a heal (it only ends
// other faults), or a fault of zero magnitude (a zero clock offset, jump
// or drift; a loss or duplication probability of 0; a slow or clog factor
// of 1). Counts of faults, as in a shrink's "N faults to M", leave these
// out.
func (f Fault) NoOp() bool {
	switch f.Kind {
	case Heal:
		return true
	case Offset, Jump:
		return f.Shift == 0
	case Drift:
		return f.PPM == 0
	case Loss, Dup:
		return f.Prob == 0
	case Slow, Clog:
		return f.Factor == 1
	}
	return false
}

// Count returns the number of faults in s that do something (see NoOp).
func (s *Schedule) Count() int {
	n := 0
	for _, f := range s.Faults {
		if !f.NoOp() {
			n++
		}
	}
	return n
}
