package storage

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/faultline/faultline/sim"
)

// Errors a disk returns. Compare with errors.Is.
var (
	ErrNotExist = errors.New("storage: file does not exist")
	ErrIO       = errors.New("storage: input/output error (EIO)")
	ErrNoSpace  = errors.New("storage: no space left on device (ENOSPC)")
	ErrRange    = errors.New("storage: offset out of range")
)

// Synced is what a node's Timer handler receives when a Sync it asked
// for completes: Tag is the value given to Sync. With Err nil, every byte
// the file held when Sync was called is durable.
type Synced struct {
	Name string
	Tag  any
	Err  error
}

// SeqSynced is what a node's Timer handler receives, as a pointer, when
// a SyncSeq completes: Seq is the number given to SyncSeq. The node may
// keep it: the disk never touches it again. (A disk made with New hands
// it to notify as the Tag of a Synced; the node runtime passes the
// pointer itself to Timer.)
type SeqSynced struct {
	Name string
	Seq  uint64
	Err  error
}

// seqBlock is how many SeqSynced a disk allocates at once.
const seqBlock = 256

// span is a byte range [off, off+n) of a file.
type span struct{ off, n int64 }

func (s span) end() int64 { return s.off + s.n }

// file is one append-only file. cur is what reads see; dur, a prefix of
// cur, is what survives a crash. A byte is never changed in place once
// it is below len(dur), so dur and cur share their array.
type file struct {
	id      uint64
	cur     []byte
	dur     []byte
	pending []span // appends not yet durable, in order
	lost    []span // acknowledged, never to reach the media
	removed bool
}

type syncOp struct {
	f     *file
	name  string
	n     int64 // the file's length at the call
	fail  bool
	isSeq bool // from SyncSeq: tag is its *SeqSynced
	start sim.Time
	tag   any
}

const evSync uint16 = 500

// token is the completion event of a sync: its time and tie-break key,
// reserved when Sync is called.
type token struct {
	at  sim.Time
	key uint64
}

func (t token) less(u token) bool { return t.at < u.at || (t.at == u.at && t.key < u.key) }

// tokens are the completion events of the syncs in flight, in (time,
// key) order; any one of them completes the head of the queue. Only a
// prefix, list[head:posted], is in the world's queue, never empty while
// any remain: every other token follows the posted ones, so the next is
// posted when the last posted one is handled and the world handles them
// in the order it would if all had been posted at once, with a queue
// that holds one sync per disk instead of every sync in flight.
type tokens struct {
	list         []token
	head, posted int
}

// Disk is the disk of one node: a flat directory of append-only files.
// Appends land in a cache that reads see at once; Sync makes a file's
// bytes durable after a modelled latency; Crash keeps what the Model
// says survives. Directory operations (create, rename, remove) are
// durable when they return, as on a file system mounted dirsync.
//
// All methods run inside the world's one goroutine.
type Disk struct {
	w      *sim.World
	node   int32
	name   string
	rng    *rand.Rand
	m      Model
	notify func(Synced)

	files  map[string]*file
	nextID uint64
	used   int64
	epoch  int64
	busy   sim.Time // the device is busy until then
	queue  []syncOp // syncs in flight, in completion order
	head   int
	seqs   []SeqSynced // the rest of the block SyncSeq takes completions from
	toks   tokens      // their completion events

	slow                       float64
	writeErr, flip, bad, lostP float64
	full                       bool
	badSectors                 map[[2]uint64]bool

	bytesWritten, bytesRead, syncs, flipped, detected, lostBytes *sim.Counter
	syncMs                                                       *sim.Histogram
}

// New returns the disk of node (named name, e.g. "n1") in w. Its draws
// come from the stream "storage/NAME". notify receives each Sync's
// completion; the node runtime turns it into a Timer call.
func New(w *sim.World, node int32, name string, m Model, notify func(Synced)) (*Disk, error) {
	m, err := m.withDefaults()
	if err != nil {
		return nil, err
	}
	met := w.Metrics
	return &Disk{w: w, node: node, name: name, rng: w.Rand("storage/" + name), m: m, notify: notify,
		files: map[string]*file{}, slow: 1, badSectors: map[[2]uint64]bool{},
		bytesWritten: met.Counter("storage_bytes_written"), bytesRead: met.Counter("storage_bytes_read"),
		syncs: met.Counter("storage_syncs"), flipped: met.Counter("storage_corrupt_reads_injected"),
		detected: met.Counter("storage_corrupt_reads_detected"), lostBytes: met.Counter("storage_unsynced_lost_bytes"),
		syncMs: met.Histogram("storage_sync_latency_ms")}, nil
}

// Model returns the disk's model, defaults filled in.
func (d *Disk) Model() Model { return d.m }

// Used returns the bytes the files hold.
func (d *Disk) Used() int64 { return d.used }

func checkName(name string) error {
	if name == "" || strings.ContainsAny(name, "/\x00") {
		return fmt.Errorf("storage: file name %q: want a non-empty name without '/'", name)
	}
	return nil
}

func (d *Disk) draw(p float64) bool { return p > 0 && d.rng.Float64() < p }

// Append adds data at the end of file name, creating it if it does not
// exist. The bytes are in the cache when it returns: reads see them, a
// crash may lose them until a Sync of the file completes.
func (d *Disk) Append(name string, data []byte) error {
	if err := checkName(name); err != nil {
		return err
	}
	if d.full || d.used+int64(len(data)) > d.m.CapacityBytes {
		return fmt.Errorf("append %s: %w", name, ErrNoSpace)
	}
	if d.draw(d.writeErr) {
		return fmt.Errorf("append %s: %w", name, ErrIO)
	}
	f := d.files[name]
	if f == nil {
		d.nextID++
		f = &file{id: d.nextID}
		d.files[name] = f
	}
	off := int64(len(f.cur))
	f.cur = append(f.cur, data...)
	f.pending = append(f.pending, span{off, int64(len(data))})
	if d.draw(d.lostP) {
		f.lost = append(f.lost, span{off, int64(len(data))})
	}
	d.used += int64(len(data))
	d.bytesWritten.Add(float64(len(data)))
	return nil
}

// ReadAt reads len(p) bytes of file name from offset off into p, as
// io.ReaderAt does: it returns the count read, and io.EOF with it when the
// file ends first. A read may come back corrupted (a flipped bit) or fail
// with ErrIO under storage faults: a reader that checks a checksum
// notices the first, and calls Detected.
func (d *Disk) ReadAt(name string, p []byte, off int64) (int, error) {
	f := d.files[name]
	if f == nil {
		return 0, fmt.Errorf("read %s: %w", name, ErrNotExist)
	}
	if off < 0 || off > int64(len(f.cur)) {
		return 0, fmt.Errorf("read %s at %d: %w (size %d)", name, off, ErrRange, len(f.cur))
	}
	end := min(off+int64(len(p)), int64(len(f.cur)))
	if end > off {
		sec := uint64(d.m.SectorBytes)
		first, last := uint64(off)/sec, uint64(end-1)/sec
		if len(d.badSectors) > 0 {
			for s := first; s <= last; s++ {
				if d.badSectors[[2]uint64{f.id, s}] {
					return 0, fmt.Errorf("read %s sector %d: %w", name, s, ErrIO)
				}
			}
		}
		if d.draw(d.bad) {
			s := first + d.rng.Uint64N(last-first+1)
			d.badSectors[[2]uint64{f.id, s}] = true
			return 0, fmt.Errorf("read %s sector %d: %w", name, s, ErrIO)
		}
	}
	n := copy(p, f.cur[off:end])
	if n > 0 && d.draw(d.flip) {
		bit := d.rng.IntN(n * 8)
		p[bit/8] ^= 1 << (bit % 8)
		d.flipped.Inc()
	}
	d.bytesRead.Add(float64(n))
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// ReadFile returns the whole of file name in a new slice, as ReadAt
// reads it.
func (d *Disk) ReadFile(name string) ([]byte, error) {
	f := d.files[name]
	if f == nil {
		return nil, fmt.Errorf("read %s: %w", name, ErrNotExist)
	}
	b := make([]byte, len(f.cur))
	if _, err := d.ReadAt(name, b, 0); err != nil {
		return nil, err
	}
	return b, nil
}

// Detected counts a corrupted read that the reader caught with a
// checksum (metric storage_corrupt_reads_detected).
func (d *Disk) Detected() { d.detected.Inc() }

// Size returns the length of file name as reads see it.
func (d *Disk) Size(name string) (int64, error) {
	f := d.files[name]
	if f == nil {
		return 0, fmt.Errorf("size %s: %w", name, ErrNotExist)
	}
	return int64(len(f.cur)), nil
}

// List returns the names of the files, sorted.
func (d *Disk) List() []string {
	names := make([]string, 0, len(d.files))
	for n := range d.files {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Truncate cuts file name to size bytes. Like a directory operation it
// is durable when it returns.
func (d *Disk) Truncate(name string, size int64) error {
	f := d.files[name]
	if f == nil {
		return fmt.Errorf("truncate %s: %w", name, ErrNotExist)
	}
	if size < 0 || size > int64(len(f.cur)) {
		return fmt.Errorf("truncate %s to %d: %w (size %d)", name, size, ErrRange, len(f.cur))
	}
	d.used -= int64(len(f.cur)) - size
	// Bytes below len(dur) are never written again, so the array can
	// be reused past size.
	f.cur = f.cur[:size]
	f.dur = f.dur[:min(int64(len(f.dur)), size)]
	f.pending = clip(f.pending, size)
	f.lost = clip(f.lost, size)
	return nil
}

// clip drops the parts of spans at or beyond size.
func clip(spans []span, size int64) []span {
	out := spans[:0]
	for _, s := range spans {
		if s.off >= size {
			continue
		}
		s.n = min(s.n, size-s.off)
		out = append(out, s)
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// Rename renames file old to new, replacing new if it exists. Durable
// when it returns, whether or not old's bytes are: renaming a file before
// its data is synced is the classic way to lose it.
func (d *Disk) Rename(old, new string) error {
	if err := checkName(new); err != nil {
		return err
	}
	f := d.files[old]
	if f == nil {
		return fmt.Errorf("rename %s: %w", old, ErrNotExist)
	}
	if old == new {
		return nil
	}
	if g := d.files[new]; g != nil {
		d.used -= int64(len(g.cur))
		g.removed = true
	}
	delete(d.files, old)
	d.files[new] = f
	return nil
}

// Remove deletes file name; durable when it returns.
func (d *Disk) Remove(name string) error {
	f := d.files[name]
	if f == nil {
		return fmt.Errorf("remove %s: %w", name, ErrNotExist)
	}
	d.used -= int64(len(f.cur))
	f.removed = true
	delete(d.files, name)
	return nil
}

// Sync asks for every byte file name holds now to be made durable. It
// returns at once; when the device is done, the node's Timer handler
// gets a Synced with tag. Syncs queue on the device one behind the other:
// each takes a latency drawn from Model.SyncLatency plus its dirty bytes
// at Model.ThroughputBytesPerSec, stretched by a slow-disk fault. If the
// node crashes first, the Synced never comes and the bytes may be lost.
func (d *Disk) Sync(name string, tag any) error {
	f := d.files[name]
	if f == nil {
		return fmt.Errorf("sync %s: %w", name, ErrNotExist)
	}
	d.sync(f, name, tag, false)
	return nil
}

// SyncSeq is Sync with a number for its tag, for a node that syncs often
// (a log that syncs every batch): its completion reaches the node's
// Timer as a *SeqSynced with Seq seq, taken from a block the disk
// allocates 256 at a time, where Sync's tag must be boxed with its
// Synced, one allocation per sync. It draws from the disk's stream and
// completes exactly as Sync does.
func (d *Disk) SyncSeq(name string, seq uint64) error {
	f := d.files[name]
	if f == nil {
		return fmt.Errorf("sync %s: %w", name, ErrNotExist)
	}
	if len(d.seqs) == 0 {
		d.seqs = make([]SeqSynced, seqBlock)
	}
	s := &d.seqs[0]
	d.seqs = d.seqs[1:]
	s.Name, s.Seq = name, seq
	d.sync(f, name, s, true)
	return nil
}

// sync queues a sync of f, named name, with its tag (a *SeqSynced if
// isSeq).
func (d *Disk) sync(f *file, name string, tag any, isSeq bool) {
	now := d.w.Now()
	dirty := int64(len(f.cur) - len(f.dur))
	lat := d.m.SyncLatency.Sample(d.rng) + time.Duration(float64(dirty)/d.m.ThroughputBytesPerSec*float64(time.Second))
	if d.slow > 1 {
		lat = time.Duration(float64(lat) * d.slow)
	}
	done := max(now, d.busy).Add(lat)
	d.busy = done
	// Completion times never decrease, so the queue is in completion
	// order; an event completes the head, whichever of two simultaneous
	// events runs first.
	if d.head == len(d.queue) {
		d.queue, d.head = d.queue[:0], 0
	}
	d.queue = append(d.queue, syncOp{f: f, name: name, n: int64(len(f.cur)), fail: d.draw(d.writeErr), start: now, tag: tag, isSeq: isSeq})
	d.addToken(token{done, d.w.Reserve(done)})
}

// addToken keeps t in order among the tokens, and posts it if it comes
// before one already posted or none is (see tokens).
func (d *Disk) addToken(t token) {
	k := &d.toks
	if k.head == len(k.list) {
		k.list, k.head, k.posted = k.list[:0], 0, 0
	}
	k.list = append(k.list, t)
	p := len(k.list) - 1
	for p > k.head && t.less(k.list[p-1]) { // only with a zero latency
		k.list[p] = k.list[p-1]
		p--
	}
	k.list[p] = t
	if p < k.posted || k.posted == k.head || postAllTokens {
		d.post(t)
		k.posted++
	}
}

// postAllTokens posts every token at once, as before tokens were
// posted one at a time: tests compare the two.
var postAllTokens = false

func (d *Disk) post(t token) { d.w.PostReserved(t.at, t.key, d, evSync, d.node, d.epoch, 0, nil) }

// tokenDone drops the token just handled, the first posted one, and
// posts the next if it was the last posted.
func (d *Disk) tokenDone() {
	k := &d.toks
	k.head++
	if k.head == k.posted && k.posted < len(k.list) {
		d.post(k.list[k.posted])
		k.posted++
	}
}

// Handle completes a sync.
func (d *Disk) Handle(ev *sim.Event) {
	if ev.A != d.epoch {
		return // the node crashed meanwhile
	}
	d.tokenDone()
	op := d.queue[d.head]
	d.queue[d.head] = syncOp{}
	d.head++
	d.syncs.Inc()
	d.syncMs.ObserveDuration(time.Duration(d.w.Now() - op.start))
	f := op.f
	var err error
	if op.fail {
		// As Linux does after a failed fsync: the dirty pages are
		// dropped as if written, so those bytes never reach the media.
		if n := min(op.n, int64(len(f.cur))); n > int64(len(f.dur)) {
			f.lost = append(f.lost, span{int64(len(f.dur)), n - int64(len(f.dur))})
		}
		err = fmt.Errorf("sync %s: %w", op.name, ErrIO)
	} else if !f.removed {
		d.persist(f, min(op.n, int64(len(f.cur))))
	}
	d.w.Trace(sim.Record{Kind: "disk_sync", Node: d.node, Peer: -1, ID: uint64(op.n)})
	if op.isSeq && err != nil {
		op.tag.(*SeqSynced).Err = err
	}
	d.notify(Synced{Name: op.name, Tag: op.tag, Err: err})
}

// persist makes f's first n bytes durable. Lost ranges among them now
// read as the media holds them: zeros.
func (d *Disk) persist(f *file, n int64) {
	if n <= int64(len(f.dur)) {
		return
	}
	var keep []span
	for _, s := range f.lost {
		if s.end() > n {
			keep = append(keep, s)
		}
	}
	if len(keep) != len(f.lost) {
		cur := slices.Clone(f.cur)
		for _, s := range f.lost {
			if s.end() <= n {
				clear(cur[s.off:s.end()])
			}
		}
		f.cur, f.lost = cur[:len(cur):len(cur)], keep
	}
	f.dur = f.cur[:n:n]
	// pending is in offset order: the durable ones are a prefix.
	k := 0
	for k < len(f.pending) && f.pending[k].end() <= n {
		k++
	}
	f.pending = f.pending[k:]
	if len(f.pending) == 0 {
		f.pending = f.pending[:0:0] // let the array go
	}
	if len(f.pending) > 0 && f.pending[0].off < n {
		f.pending[0] = span{n, f.pending[0].end() - n}
	}
}

// Crash loses what the model says a crash loses: unsynced bytes, all of
// them or a seeded subset, or a tail torn at a sector boundary; and
// acknowledged writes the disk lost. Syncs in flight never complete. The
// next reads see what a real disk would show after the reboot.
func (d *Disk) Crash() {
	// The syncs in flight still fire, as stale events, as they would
	// had they all been posted at once.
	for _, t := range d.toks.list[d.toks.posted:] {
		d.post(t)
	}
	d.toks = tokens{list: d.toks.list[:0]}
	d.epoch++
	d.busy = 0
	clear(d.queue)
	d.queue, d.head = d.queue[:0], 0
	for _, name := range d.List() {
		f := d.files[name]
		before, synced := int64(len(f.cur)), int64(len(f.dur))
		img := d.survivor(f)
		for _, s := range f.lost {
			if s.off < int64(len(img)) {
				if &img[0] == &f.cur[0] {
					img = slices.Clone(img)
				}
				clear(img[s.off:min(s.end(), int64(len(img)))])
			}
		}
		n := int64(len(img))
		f.cur, f.dur, f.pending, f.lost = img[:n:n], img[:n:n], nil, nil
		d.used -= before - n
		if before > synced || n < before {
			d.lostBytes.Add(float64(before - n))
			d.w.Trace(sim.Record{Kind: "disk_crash", Node: d.node, Peer: -1, ID: uint64(n), Detail: name})
		}
	}
}

// survivor returns the bytes of f that reach the media in a crash, as a
// prefix of f.cur or a new slice.
func (d *Disk) survivor(f *file) []byte {
	durN, curN := int64(len(f.dur)), int64(len(f.cur))
	if durN == curN {
		return f.cur
	}
	switch d.m.Crash {
	case Torn:
		// A cut among the sector boundaries of the unsynced tail, both
		// of its ends included.
		sec := int64(d.m.SectorBytes)
		first := durN/sec + 1
		last := (curN - 1) / sec
		cuts := max(last-first+1, 0) + 2
		k := d.rng.Int64N(cuts)
		switch {
		case k == 0:
			return f.cur[:durN]
		case k == cuts-1:
			return f.cur
		}
		return f.cur[:(first+k-1)*sec]
	case Subset:
		img := slices.Clone(f.cur)
		end := durN
		for _, s := range f.pending {
			if d.rng.IntN(2) == 0 {
				clear(img[s.off:s.end()])
			} else {
				end = s.end()
			}
		}
		return img[:end]
	}
	return f.cur[:durN]
}

// The fault setters: the node faults of nodes/faults set them.

// SetSlow stretches each sync by factor (≤ 1: full speed).
func (d *Disk) SetSlow(factor float64) { d.slow = max(factor, 1) }

// SetWriteErrors makes each append and each sync fail with ErrIO with
// probability p. A failed sync drops the dirty bytes it covered: they
// stay readable until a crash, but never reach the media.
func (d *Disk) SetWriteErrors(p float64) { d.writeErr = p }

// SetFull makes every append fail with ErrNoSpace while full is true.
func (d *Disk) SetFull(full bool) { d.full = full }

// SetBitFlips flips one bit of a read's result with probability p. The
// media is intact: reading again may give the right bytes.
func (d *Disk) SetBitFlips(p float64) { d.flip = p }

// SetBadSectors makes each read find a latent sector error with
// probability p: the read fails with ErrIO, and so does every later read
// of that sector until p is set to 0 (the fault ends and the sectors are
// remapped) or the file is truncated.
func (d *Disk) SetBadSectors(p float64) {
	d.bad = p
	if p == 0 {
		clear(d.badSectors)
	}
}

// SetLostWrites makes the disk acknowledge each append with probability p
// and never persist it: reads see it until the next sync of the file
// completes, after which they, and a restart, see zeros.
func (d *Disk) SetLostWrites(p float64) { d.lostP = p }
