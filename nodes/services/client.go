package services

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/faultline/faultline/nodes"
	"github.com/faultline/faultline/nodes/services/load"
	"github.com/faultline/faultline/sim"
)

// ProfileKind names the shape of an open-loop arrival rate over time.
type ProfileKind string

// Rate profiles.
const (
	Steady ProfileKind = "steady" // Rate throughout
	Step   ProfileKind = "step"   // Rate, then Peak from At on
	Spike  ProfileKind = "spike"  // Peak during [At, At+For), Rate otherwise
	Ramp   ProfileKind = "ramp"   // Rate until At, then linearly to Peak over For, then Peak
)

// Profile is an arrival rate that may change over time.
type Profile struct {
	Kind ProfileKind
	Rate float64 // requests per second
	Peak float64 // requests per second, for step, spike and ramp
	At   time.Duration
	For  time.Duration
}

// ProfileSyntax lists the forms ParseProfile accepts.
const ProfileSyntax = "steady | step:PEAK@AT | spike:PEAK@AT+FOR | ramp:PEAK@AT+FOR (PEAK in requests/s)"

// ParseProfile parses a rate profile around a base rate, e.g. "steady",
// "step:200@10s", "spike:300@20s+5s", "ramp:400@0s+60s".
func ParseProfile(s string, rate float64) (Profile, error) {
	bad := func(why string) (Profile, error) {
		return Profile{}, fmt.Errorf("profile %q: %s (accepted: %s)", s, why, ProfileSyntax)
	}
	kind, args, _ := strings.Cut(strings.TrimSpace(s), ":")
	p := Profile{Kind: ProfileKind(kind), Rate: rate}
	if p.Kind == Steady {
		if args != "" {
			return bad("steady takes no arguments")
		}
		return p, nil
	}
	if p.Kind != Step && p.Kind != Spike && p.Kind != Ramp {
		return bad("unknown kind " + strconv.Quote(kind))
	}
	peak, when, ok := strings.Cut(args, "@")
	if !ok {
		return bad("want PEAK@AT")
	}
	f, err := strconv.ParseFloat(peak, 64)
	if err != nil || f < 0 || math.IsInf(f, 0) {
		return bad("bad peak rate")
	}
	p.Peak = f
	at, span, hasFor := strings.Cut(when, "+")
	if p.At, err = time.ParseDuration(at); err != nil || p.At < 0 {
		return bad("bad start time")
	}
	if p.Kind == Step {
		if hasFor {
			return bad("step takes no duration")
		}
		return p, nil
	}
	if !hasFor {
		return bad("want PEAK@AT+FOR")
	}
	if p.For, err = time.ParseDuration(span); err != nil || p.For < 0 {
		return bad("bad duration")
	}
	return p, nil
}

// RateAt returns the arrival rate at t.
func (p Profile) RateAt(t time.Duration) float64 {
	switch {
	case p.Kind == Steady || t < p.At:
		return p.Rate
	case p.Kind == Step:
		return p.Peak
	case p.Kind == Spike:
		if t < p.At+p.For {
			return p.Peak
		}
		return p.Rate
	case p.Kind == Ramp:
		if p.For == 0 || t >= p.At+p.For {
			return p.Peak
		}
		return p.Rate + (p.Peak-p.Rate)*float64(t-p.At)/float64(p.For)
	}
	return p.Rate
}

// MaxRate returns the highest rate of the profile.
func (p Profile) MaxRate() float64 {
	if p.Kind == Steady {
		return p.Rate
	}
	return max(p.Rate, p.Peak)
}

// ClientConfig configures a Client: open-loop (Open set) or closed-loop
// (Users > 0).
type ClientConfig struct {
	// Caller is how requests are sent; its Stats count them.
	Caller CallerConfig
	// Open, when set, sends Poisson arrivals at the profile's rate,
	// whatever the state of earlier requests.
	Open *Profile
	// Users, when > 0, are closed-loop users: each sends a request, waits
	// for its result, thinks for Think, and repeats.
	Users int
	Think Dist
	// Ops are the weights of operations 0..len-1; nil sends only op 0.
	Ops []float64
	// OpStats, when set, counts requests per operation too.
	OpStats []*Stats
	// Stop ends new requests at this time; 0 = never.
	Stop time.Duration
	// Stream names the arrival stream; closed-loop user i draws from
	// Stream+"/"+i. Default "client/NAME".
	Stream string
	// OnResult, when set, sees every result.
	OnResult func(op int, r Result)
	// Shape scales the offered load over time: the open-loop rate (on
	// top of Open's profile), or the number of active closed-loop users.
	// The zero value is constant, which draws exactly as no shape.
	Shape load.Shape
	// OfferedSeries, when set, records each request issued as a rate
	// series of that name (requests per second), for plots.
	OfferedSeries string
}

// Client is a node that generates requests.
type Client struct {
	c      ClientConfig
	caller *Caller
	world  *sim.World
	rng    *rand.Rand
	users  []*rand.Rand
	opSum  float64
	// offered records issued requests when OfferedSeries is set.
	offered *sim.Series
}

type arrival struct{}

type userTimer struct{ user int }

// NewClient returns a Client for the node runtime.
func NewClient(c ClientConfig) *Client { return &Client{c: c} }

// Caller returns the client's caller (for its breaker state), once started.
func (cl *Client) Caller() *Caller { return cl.caller }

// Start implements nodes.Node.
func (cl *Client) Start(env *nodes.Env) {
	cl.world = env.World()
	stream := cl.c.Stream
	if stream == "" {
		stream = "client/" + env.Name()
	}
	if cl.c.Caller.Stream == "" {
		cl.c.Caller.Stream = stream + "/caller"
	}
	cl.caller = NewCaller(env, cl.c.Caller)
	cl.rng = cl.world.Rand(stream)
	for _, w := range cl.c.Ops {
		cl.opSum += w
	}
	if cl.c.OfferedSeries != "" {
		cl.offered = cl.world.Metrics.Series(cl.c.OfferedSeries, sim.SeriesRate, SeriesStep)
	}
	if cl.c.Open != nil && cl.maxRate() > 0 {
		cl.scheduleArrival(env)
	}
	// A shape may raise the population above Users: the extra users
	// draw from streams of their own and stay idle until needed.
	for i := range cl.maxUsers() {
		rng := cl.world.Rand(stream + "/" + strconv.Itoa(i))
		cl.users = append(cl.users, rng)
		env.SetTimer(cl.c.Think.Sample(rng), &userTimer{user: i})
	}
}

func (cl *Client) stopped() bool {
	return cl.c.Stop > 0 && cl.world.Now().Duration() >= cl.c.Stop
}

// maxRate is the peak of the open-loop rate, profile and shape together.
func (cl *Client) maxRate() float64 {
	p := cl.c.Open
	if cl.c.Shape.IsConstant() || p.Rate <= 0 {
		return p.MaxRate()
	}
	return p.MaxRate() * cl.c.Shape.MaxRate(p.Rate) / p.Rate
}

// rateAt is the open-loop rate at t, profile and shape together.
func (cl *Client) rateAt(t time.Duration) float64 {
	p := cl.c.Open
	if cl.c.Shape.IsConstant() || p.Rate <= 0 {
		return p.RateAt(t) // a shape scales the base rate; none to scale
	}
	return p.RateAt(t) * cl.c.Shape.Rate(t, p.Rate) / p.Rate
}

func (cl *Client) maxUsers() int {
	if cl.c.Users == 0 || cl.c.Shape.IsConstant() {
		return cl.c.Users
	}
	return int(math.Ceil(float64(cl.c.Users) * cl.c.Shape.MaxScale()))
}

// activeUsers is how many closed-loop users the shape wants at t.
func (cl *Client) activeUsers(t time.Duration) int {
	if cl.c.Shape.IsConstant() {
		return cl.c.Users
	}
	return int(math.Round(float64(cl.c.Users) * cl.c.Shape.Scale(t)))
}

// idlePoll is how often an idle closed-loop user checks whether the
// shape wants it again; a constant, so idling draws nothing.
const idlePoll = 100 * time.Millisecond

func (cl *Client) scheduleArrival(env *nodes.Env) {
	gap := time.Duration(cl.rng.ExpFloat64() / cl.maxRate() * 1e9)
	env.SetTimer(gap, arrival{})
}

// Receive implements nodes.Node.
func (cl *Client) Receive(env *nodes.Env, _ NodeID, msg any) {
	if r, ok := msg.(*Reply); ok {
		cl.caller.Reply(env, r)
	}
}

// Timer implements nodes.Node.
func (cl *Client) Timer(env *nodes.Env, id nodes.TimerID, data any) {
	switch d := data.(type) {
	case arrival:
		if cl.stopped() {
			return
		}
		// Thinning: candidates come at the peak rate, each kept with
		// probability rate(now)/peak, which is exact for any profile.
		if (cl.c.Open.Kind == Steady && cl.c.Shape.IsConstant()) || cl.rng.Float64()*cl.maxRate() < cl.rateAt(cl.world.Now().Duration()) {
			cl.issue(env, nil)
		}
		cl.scheduleArrival(env)
	case *userTimer:
		if cl.stopped() {
			return
		}
		u := d.user
		if u >= cl.activeUsers(cl.world.Now().Duration()) {
			env.SetTimer(idlePoll, d)
			return
		}
		cl.issue(env, func() { env.SetTimer(cl.c.Think.Sample(cl.users[u]), d) })
	default:
		routeTimer(env, id, data)
	}
}

func (cl *Client) pickOp() int {
	if cl.opSum == 0 {
		return 0
	}
	// float64() rounds the product, so no platform fuses it into an FMA.
	x := float64(cl.rng.Float64() * cl.opSum)
	for i, w := range cl.c.Ops {
		if x < w {
			return i
		}
		x -= w
	}
	return len(cl.c.Ops) - 1
}

func (cl *Client) issue(env *nodes.Env, then func()) {
	if cl.offered != nil {
		cl.offered.Add(cl.world.Now(), 1)
	}
	op := cl.pickOp()
	if op < len(cl.c.OpStats) {
		cl.c.OpStats[op].Begin()
	}
	// The request calls ended when it is done; no closure to allocate.
	dc := cl.caller.d.New()
	dc.Data = request{op: op, client: cl, then: then}
	cl.caller.do(env, dc)
}

// ended completes a request issued at start.
func (cl *Client) ended(op int, start sim.Time, then func(), r Result) {
	if op < len(cl.c.OpStats) {
		cl.c.OpStats[op].End(cl.world.Now(), start, r)
	}
	if cl.c.OnResult != nil {
		cl.c.OnResult(op, r)
	}
	if then != nil {
		then()
	}
}

// Finish flushes the client's time series at the end of a run.
func (cl *Client) Finish(end sim.Time) {
	if cl.caller != nil {
		cl.caller.Finish(end)
	}
}
