package drive_test

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/faultline/faultline/patterns/pipeline"
	"github.com/faultline/faultline/patterns/pipeline/drive"
)

// loop is a host with a clock, a list of due events and a server that
// answers each attempt after a latency chosen by the test.
type loop struct {
	now     time.Duration
	due     []event
	seq     int
	d       *drive.Driver[string]
	latency func(attempt int) time.Duration
	log     []string
}

type event struct {
	at    time.Duration
	seq   int
	timer *drive.Timer
	id    drive.TimerID
	reply uint64 // attempt id, when timer is nil
}

func (l *loop) push(e event) {
	l.seq++
	e.seq = l.seq
	l.due = append(l.due, e)
	slices.SortFunc(l.due, func(a, b event) int { return cmp.Or(cmp.Compare(a.at, b.at), cmp.Compare(a.seq, b.seq)) })
}

func (l *loop) Now() time.Duration { return l.now }

func (l *loop) Send(c *drive.Call[string], id uint64, s pipeline.Send) {
	l.log = append(l.log, fmt.Sprintf("%v %s: send attempt %d hedge=%v", l.now, c.Data, s.Attempt, s.Hedge))
	l.push(event{at: l.now + l.latency(s.Attempt), reply: id})
}

func (l *loop) SetTimer(in time.Duration, t *drive.Timer) drive.TimerID {
	l.push(event{at: l.now + in, timer: t, id: drive.TimerID(l.seq + 1)})
	return drive.TimerID(l.seq)
}

func (l *loop) CancelTimer(id drive.TimerID) {
	l.due = slices.DeleteFunc(l.due, func(e event) bool { return e.timer != nil && e.id == id })
}

func (l *loop) Done(c *drive.Call[string], r pipeline.Result) {
	l.log = append(l.log, fmt.Sprintf("%v %s: %s after %d attempts", l.now, c.Data, r.Status, r.Attempts))
}

// run handles due events in time order.
func (l *loop) run() {
	for len(l.due) > 0 {
		e := l.due[0]
		l.due = l.due[1:]
		l.now = e.at
		if e.timer != nil {
			e.timer.Fire(e.id)
			continue
		}
		l.d.Result(e.reply, pipeline.Outcome{OK: true})
	}
}

// A hedge after 30ms: the first attempt is slow, the hedge answers first,
// and the driver cancels the first attempt's timeout.
func Example() {
	var cfg pipeline.Config
	for _, kv := range [][2]string{{"hedge.delay", "30ms"}, {"timeout.per_attempt", "1s"}} {
		if err := cfg.Set(kv[0], kv[1]); err != nil {
			panic(err)
		}
	}
	p, err := pipeline.New(cfg, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		panic(err)
	}
	l := &loop{latency: func(attempt int) time.Duration {
		if attempt == 1 {
			return 500 * time.Millisecond
		}
		return 10 * time.Millisecond
	}}
	l.d = drive.New(p, l, drive.Options[string]{})
	c := l.d.New()
	c.Data = "GET /a"
	l.d.Start(c)
	l.run()
	for _, s := range l.log {
		fmt.Println(s)
	}
	// Output:
	// 0s GET /a: send attempt 1 hedge=false
	// 30ms GET /a: send attempt 2 hedge=true
	// 40ms GET /a: success after 2 attempts
}
