package overload

import (
	"time"

	"github.com/faultline/faultline/nodes/services"
	"github.com/faultline/faultline/patterns/shed"
	"github.com/faultline/faultline/scenarios"
)

// LoadShedding shows a server at 2× overload with and without shedding.
var LoadShedding = &scenarios.Scenario{
	Name:    "load-shedding",
	Summary: "2× overload: without shedding queue and latency grow without bound and goodput falls; a bounded queue keeps goodput near capacity",
	Description: "Open-loop clients send `load`× the server's capacity (workers/mean service) with a 1 s " +
		"timeout. With shedding=none the queue grows for as long as the overload lasts, every call waits " +
		"longer than its client will, the server spends its capacity on zombie work and goodput falls toward " +
		"zero. With shedding=bounded the queue holds at most `max_queue` calls and rejects the rest at once; " +
		"with shedding=codel the patterns/shed shedder also drops calls that waited past a target delay and " +
		"serves newest first under overload. Either keeps goodput near capacity and latency bounded. " +
		"Reports capacity_rps and goodput_rps, server_queue_len_max and the latency percentiles.",
	Params: []scenarios.Param{
		{Name: "shedding", Default: "bounded", Kind: scenarios.String, Choices: []string{"none", "bounded", "codel"}, Help: "server queue policy"},
		{Name: "load", Default: "2", Kind: scenarios.Float, Min: 0.01, Max: 100, Help: "offered load as a multiple of capacity"},
		{Name: "max_queue", Default: "20", Kind: scenarios.Int, Min: 0, Max: 1e6, Help: "queue bound for bounded and codel"},
		{Name: "workers", Default: "4", Kind: scenarios.Int, Min: 1, Max: 10000, Help: "server workers"},
		{Name: "service", Default: "exp:40ms", Kind: scenarios.String, Help: "service time: " + services.DistSyntax,
			Validate: services.ValidateDist},
		{Name: "duration", Default: "30s", Kind: scenarios.Duration, Help: "length of the run"},
		loadShapeParam(),
	},
	Run: runShedding,
}

func runShedding(r *scenarios.Run) error {
	p := r.Params
	dist, _ := services.ParseDist(p.String("service"))
	capacity := float64(p.Int("workers")) / dist.MeanDuration().Seconds()
	rt, err := cluster(r, 2, netLatency)
	if err != nil {
		return err
	}
	st := services.NewStats(r.World.Metrics, "")
	sc := services.ServerConfig{Prefix: "server_", Workers: p.Int("workers"), MaxQueue: services.Unbounded, Service: dist, Attempts: st.Attempts}
	switch p.String("shedding") {
	case "bounded":
		sc.MaxQueue = p.Int("max_queue")
	case "codel":
		sc.Shed = &shed.Config{MaxQueue: max(p.Int("max_queue"), 1), Order: shed.AdaptiveLIFO, TargetDelay: 100 * time.Millisecond, Interval: 500 * time.Millisecond}
	}
	srv, _, err := addServer(rt, sc)
	if err != nil {
		return err
	}
	dur := p.Duration("duration")
	if _, _, err := addClient(rt, shaped(r, services.ClientConfig{
		Caller: services.CallerConfig{To: srv, Stats: st, Pipeline: perAttempt(time.Second)},
		Open:   &services.Profile{Kind: services.Steady, Rate: p.Float("load") * capacity}, Stop: dur,
	})); err != nil {
		return err
	}
	if err := finish(r, rt, dur, 2*time.Second, st); err != nil {
		return err
	}
	r.Metric("capacity_rps", capacity)
	r.Metric("goodput_fraction", ratio(st.Succeeded.Value()/dur.Seconds(), capacity))
	return nil
}
