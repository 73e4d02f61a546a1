package planted

// Planted bugs for TestCheckParamReads: the checker must report each.
func run(r *Run) {
	p := r.Params
	_ = p.Duration("timeout")  // fine
	_ = p.Int("clients")       // fine
	_ = p.Float("loss")        // fine: a Prob reads as a float
	_ = p.String("clients")    // fine: any kind reads as its text
	_ = p.Int("client")        // undeclared: a typo
	_ = p.Duration("clients")  // declared int, read as a duration
	_ = p.Bool("loss")         // declared prob, read as a bool
	_ = p.Int(name)            // not a literal: not checked
	_ = r.World.Rand("faults") // not an accessor
}
