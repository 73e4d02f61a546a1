package proc

import "iter"

func iterPull(p *P) (func() (struct{}, bool), func()) { return iter.Pull(p.seq) }
