package storage

import (
	"fmt"
	"time"

	"github.com/faultline/faultline/network"
)

// CrashModel says which unsynced bytes a crash keeps.
type CrashModel uint8

const (
	// LoseAll keeps no unsynced byte: the file is as its last sync left it.
	LoseAll CrashModel = iota
	// Subset keeps each unsynced append or not, drawn from the disk's
	// stream; a lost append before a kept one leaves zeros.
	Subset
	// Torn keeps the unsynced tail in order up to a sector boundary drawn
	// from the disk's stream: a record may be cut in two.
	Torn
)

var crashNames = []string{"all", "subset", "torn"}

func (c CrashModel) String() string {
	if int(c) < len(crashNames) {
		return crashNames[c]
	}
	return fmt.Sprintf("CrashModel(%d)", int(c))
}

// ParseCrashModel reads all, subset or torn.
func ParseCrashModel(s string) (CrashModel, error) {
	for i, n := range crashNames {
		if s == n {
			return CrashModel(i), nil
		}
	}
	return 0, fmt.Errorf("crash model %q (accepted: all, subset, torn)", s)
}

// Limits of a model's sizes.
const (
	MaxSectorBytes   = 1 << 20
	MaxCapacityBytes = 1 << 40
)

// Model is a disk's behaviour. The zero value of a field takes the
// default its comment gives.
type Model struct {
	_ struct{}
	// Crash says what a crash keeps of unsynced bytes; default LoseAll.
	Crash CrashModel
	// SyncLatency is the fixed cost of one sync; default uniform 1ms-5ms.
	SyncLatency network.Dist
	// ThroughputBytesPerSec is the rate dirty bytes are flushed at by a
	// sync; default 100e6.
	ThroughputBytesPerSec float64
	// SectorBytes is the unit of torn writes and sector errors: a power
	// of two in [1, MaxSectorBytes]; default 512.
	SectorBytes int
	// CapacityBytes bounds the bytes the files hold, in [1,
	// MaxCapacityBytes]; default 1 GiB. An append beyond fails with
	// ErrNoSpace.
	CapacityBytes int64
}

// DefaultSyncLatency is the SyncLatency of the zero Model.
var DefaultSyncLatency = network.Dist{Kind: network.Uniform, Min: time.Millisecond, Max: 5 * time.Millisecond}

// Validate reports a field out of range, naming it and what it accepts.
func (m Model) Validate() error {
	_, err := m.withDefaults()
	return err
}

func (m Model) withDefaults() (Model, error) {
	if m.SyncLatency == (network.Dist{}) {
		m.SyncLatency = DefaultSyncLatency
	}
	if m.ThroughputBytesPerSec == 0 {
		m.ThroughputBytesPerSec = 100e6
	}
	if m.SectorBytes == 0 {
		m.SectorBytes = 512
	}
	if m.CapacityBytes == 0 {
		m.CapacityBytes = 1 << 30
	}
	switch {
	case int(m.Crash) >= len(crashNames):
		return m, fmt.Errorf("storage: crash model %d (accepted: all, subset, torn)", m.Crash)
	case !(m.ThroughputBytesPerSec > 0) || m.ThroughputBytesPerSec > 1e15:
		return m, fmt.Errorf("storage: throughput %g bytes/s (accepted: a number in (0, 1e15])", m.ThroughputBytesPerSec)
	case m.SectorBytes < 1 || m.SectorBytes > MaxSectorBytes || m.SectorBytes&(m.SectorBytes-1) != 0:
		return m, fmt.Errorf("storage: sector size %d bytes (accepted: a power of two in [1, %d])", m.SectorBytes, MaxSectorBytes)
	case m.CapacityBytes < 1 || m.CapacityBytes > MaxCapacityBytes:
		return m, fmt.Errorf("storage: capacity %d bytes (accepted: [1, %d])", m.CapacityBytes, int64(MaxCapacityBytes))
	}
	if err := m.SyncLatency.Validate(); err != nil {
		return m, fmt.Errorf("storage: sync latency: %w", err)
	}
	return m, nil
}
