package wal

import (
	"errors"
	"slices"
	"time"

	"github.com/faultline/faultline/nodes"
	"github.com/faultline/faultline/nodes/storage"
)

// Messages.
type (
	putReq struct {
		Req     uint64
		Key     string
		Version uint64
	}
	getReq struct {
		Req uint64
		Key string
	}
	putReply struct {
		Req uint64
		OK  bool
	}
	getReply struct {
		Req     uint64
		OK      bool // false: the store could not read it now
		Version uint64
		Value   []byte
	}
)

const (
	logName     = "wal"
	readTries   = 4 // reads of one record before a get gives up
	recoverTry  = 8 // reads of the log at recovery while some stretch is bad
	recoverWait = 20 * time.Millisecond
)

// entry is where the newest version of a key sits on the log.
type entry struct {
	version uint64
	off, n  int64
}

// put is a write waiting for a sync.
type put struct {
	from    nodes.NodeID
	req     uint64
	key     string
	version uint64
	off, n  int64
}

type recoverTimer struct{}

// store is a log-structured key-value store: every put is a record
// appended to the log, an in-memory index says where each key's newest
// record is, and a get reads the value from the log. Writes are synced in
// groups: one sync in flight, the puts that arrive meanwhile wait for the
// next. Everything but the log is rebuilt by scanning it at start.
type store struct {
	cfg     *config
	ready   bool
	index   map[string]entry
	waiting []put // appended, not yet in a sync
	syncing []put // covered by the sync in flight
	busy    bool  // a sync is in flight
}

func (s *store) Start(env *nodes.Env) {
	s.cfg.storeStarts++
	s.recover(env)
}

// recover rebuilds the index from the log. A read error (a bad sector)
// retries later; a bad stretch is read again, since a flipped bit is
// gone on the next read, and the records found valid by any read count.
func (s *store) recover(env *nodes.Env) {
	d := env.Storage()
	s.index = map[string]entry{}
	if _, err := d.Size(logName); errors.Is(err, storage.ErrNotExist) {
		s.ready = true
		return
	}
	found := map[int64]rec{}
	tries := recoverTry
	if s.cfg.mode == modeUnchecked {
		tries = 1
	}
	for range tries {
		b, err := d.ReadFile(logName)
		if err != nil {
			env.SetTimer(recoverWait, recoverTimer{})
			return
		}
		recs, bad := scan(b, s.cfg.mode != modeUnchecked)
		for _, r := range recs {
			found[r.off] = r
		}
		if bad == 0 {
			break
		}
		if s.cfg.mode != modeUnchecked {
			d.Detected()
		}
	}
	offs := make([]int64, 0, len(found))
	for off := range found {
		offs = append(offs, off)
	}
	slices.Sort(offs)
	for _, off := range offs {
		r := found[off]
		if e, ok := s.index[r.key]; !ok || r.version >= e.version {
			s.index[r.key] = entry{version: r.version, off: r.off, n: r.n}
		}
	}
	s.ready = true
}

func (s *store) Receive(env *nodes.Env, from nodes.NodeID, msg any) {
	if !s.ready {
		return // recovering: the client retries
	}
	switch m := msg.(type) {
	case putReq:
		p := put{from: from, req: m.Req, key: m.Key, version: m.Version}
		if !s.appendPut(env, &p) {
			env.Send(from, putReply{Req: m.Req}, 32)
			return
		}
		if s.cfg.mode == modeBuggy {
			// The planted bug: the write is in the cache, not on the disk.
			env.Send(from, putReply{Req: m.Req, OK: true}, 32)
		}
		s.waiting = append(s.waiting, p)
		s.sync(env)
	case getReq:
		env.Send(from, s.get(env, m), 96)
	}
}

// appendPut appends p's record and points the index at it; false if the
// disk refused it.
func (s *store) appendPut(env *nodes.Env, p *put) bool {
	d := env.Storage()
	off, err := d.Size(logName)
	if errors.Is(err, storage.ErrNotExist) {
		off = 0
	}
	b := encode(p.key, p.version, valueOf(p.key, p.version))
	if err := d.Append(logName, b); err != nil {
		return false
	}
	p.off, p.n = off, int64(len(b))
	if e, ok := s.index[p.key]; !ok || p.version >= e.version {
		s.index[p.key] = entry{version: p.version, off: p.off, n: p.n}
	}
	return true
}

// sync starts a sync of the log for the waiting puts, unless one is in
// flight.
func (s *store) sync(env *nodes.Env) {
	if s.busy || len(s.waiting) == 0 {
		return
	}
	if err := env.Storage().Sync(logName, nil); err != nil {
		return
	}
	s.syncing, s.waiting = s.waiting, nil
	s.busy = true
}

func (s *store) Timer(env *nodes.Env, _ nodes.TimerID, data any) {
	switch d := data.(type) {
	case recoverTimer:
		s.recover(env)
	case storage.Synced:
		s.synced(env, d)
	}
}

// synced acknowledges the puts a sync made durable, once each reads back
// intact: a write the disk lost reads back as zeros after the sync. A
// failed sync, or a record that does not read back, is written again.
func (s *store) synced(env *nodes.Env, sy storage.Synced) {
	s.busy = false
	done := s.syncing
	s.syncing = nil
	for _, p := range done {
		if sy.Err == nil && s.readBack(env, p) {
			if s.cfg.mode != modeBuggy {
				env.Send(p.from, putReply{Req: p.req, OK: true}, 32)
			}
			continue
		}
		if !s.appendPut(env, &p) {
			if s.cfg.mode != modeBuggy {
				env.Send(p.from, putReply{Req: p.req}, 32)
			}
			continue
		}
		s.waiting = append(s.waiting, p)
	}
	s.sync(env)
}

func (s *store) readBack(env *nodes.Env, p put) bool {
	_, ok := s.read(env, p.key, p.version, p.off, p.n)
	return ok
}

// read reads the record of key at off; with checksums on, it reads again
// while the record does not verify.
func (s *store) read(env *nodes.Env, key string, version uint64, off, n int64) (rec, bool) {
	d := env.Storage()
	verify := s.cfg.mode != modeUnchecked
	b := make([]byte, n)
	for range readTries {
		if _, err := d.ReadAt(logName, b, off); err != nil {
			continue
		}
		r, ok := decode(b, verify)
		if !verify {
			return r, ok // the planted bug: whatever the bytes say
		}
		if ok && r.key == key && r.version == version {
			return r, true
		}
		d.Detected()
	}
	return rec{}, false
}

func (s *store) get(env *nodes.Env, m getReq) getReply {
	e, ok := s.index[m.Key]
	if !ok {
		return getReply{Req: m.Req, OK: true}
	}
	r, ok := s.read(env, m.Key, e.version, e.off, e.n)
	if !ok {
		return getReply{Req: m.Req}
	}
	return getReply{Req: m.Req, OK: true, Version: r.version, Value: r.value}
}
