package overload

import (
	"time"

	"github.com/faultline/faultline/nodes/services"
	"github.com/faultline/faultline/patterns/fallback"
	"github.com/faultline/faultline/patterns/pipeline"
	"github.com/faultline/faultline/scenarios"
)

// Fallback shows graceful degradation when a non-critical dependency goes
// down.
var Fallback = &scenarios.Scenario{
	Name:    "fallback",
	Summary: "a page's non-critical dependency goes down: a fallback keeps the page up and reports the degraded fraction",
	Description: "A page service calls a critical dependency (inventory for page=product, the article for " +
		"page=news) and a non-critical one (recommendations, or comments). From `down_at` for `down_for` the " +
		"non-critical one crashes and stops answering. With fallback=off the page fails whenever it does: " +
		"every page request times out on it. With fallback=on the page serves popular items instead of " +
		"recommendations, or hides the comments, after a short timeout: the page stays up, and the " +
		"fraction of degraded pages is reported (degraded_fraction). Keys of the page→non-critical pipeline " +
		"can be set with --set.",
	Params: []scenarios.Param{
		{Name: "page", Default: "product", Kind: scenarios.String, Choices: []string{"product", "news"}, Help: "which page"},
		{Name: "fallback", Default: "on", Kind: scenarios.String, Choices: []string{"on", "off"}, Help: "fall back when the non-critical dependency fails"},
		{Name: "dep_timeout", Default: "200ms", Kind: scenarios.Duration, Help: "timeout on the non-critical dependency"},
		{Name: "down_at", Default: "10s", Kind: scenarios.Duration, Help: "when the dependency goes down"},
		{Name: "down_for", Default: "10s", Kind: scenarios.Duration, Help: "how long it stays down"},
		{Name: "rate", Default: "50", Kind: scenarios.Float, Min: 0.1, Max: 1e5, Help: "page requests per second"},
		{Name: "duration", Default: "30s", Kind: scenarios.Duration, Help: "length of the run"},
	},
	MoreParams: pipelineTail,
	Run:        runFallback,
}

func runFallback(r *scenarios.Run) error {
	p := r.Params
	value := map[string]string{"product": "popular-items", "news": "comments-hidden"}[p.String("page")]
	pl, err := applySets(r, fallbackPipeline(p.String("fallback"), value, p.Duration("dep_timeout")))
	if err != nil {
		return err
	}
	rt, err := cluster(r, 4, netLatency)
	if err != nil {
		return err
	}
	st := services.NewStats(r.World.Metrics, "")
	crit, extra := "inventory_", "recommendations_"
	if p.String("page") == "news" {
		crit, extra = "article_", "comments_"
	}
	const critical, optional, page = 0, 1, 2
	if _, _, err := addServer(rt, services.ServerConfig{Prefix: crit, Workers: 20, MaxQueue: services.Unbounded, Service: services.Exp(10 * time.Millisecond)}); err != nil {
		return err
	}
	if _, _, err := addServer(rt, services.ServerConfig{Prefix: extra, Workers: 20, MaxQueue: services.Unbounded, Service: services.Exp(20 * time.Millisecond)}); err != nil {
		return err
	}
	if _, _, err := addServer(rt, services.ServerConfig{Prefix: "page_", Workers: 40, MaxQueue: services.Unbounded, Service: services.Exp(5 * time.Millisecond),
		Attempts: st.Attempts, Deps: []services.Dep{
			{To: critical, Op: -1, Pipeline: perAttempt(time.Second)},
			{To: optional, Op: -1, Pipeline: pl},
		}}); err != nil {
		return err
	}
	dur := p.Duration("duration")
	if _, _, err := addClient(rt, shaped(r, services.ClientConfig{
		Caller: services.CallerConfig{To: page, Stats: st, Pipeline: perAttempt(2 * time.Second)},
		Open:   &services.Profile{Kind: services.Steady, Rate: p.Float("rate")}, Stop: dur,
	})); err != nil {
		return err
	}
	da, df := p.Duration("down_at"), p.Duration("down_for")
	at(r.World, da, func() { rt.Crash(optional) })
	at(r.World, da+df, func() { rt.Restart(optional) })
	if err := finish(r, rt, dur, 3*time.Second, st); err != nil {
		return err
	}
	r.Metric("success_rate", ratio(st.Succeeded.Value(), st.Requests.Value()))
	r.Metric("degraded_fraction", ratio(st.Degraded.Value(), st.Requests.Value()))
	return nil
}

// fallbackPipeline is the page's pipeline to its non-critical dependency:
// each call bounded by depTimeout and, with mode "on", a degraded result
// labelled value when it fails.
func fallbackPipeline(mode, value string, depTimeout time.Duration) *pipeline.Config {
	c := perAttempt(depTimeout)
	if mode == "on" {
		c.Fallback = &fallback.Config{Value: value}
	}
	return c
}
