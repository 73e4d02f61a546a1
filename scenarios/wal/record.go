package wal

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"strings"
	"sync"
)

// A record on the log: magic, payload length, CRC-32C of the payload,
// then the payload: key, a zero byte, the version (8 bytes big-endian)
// and the value.
const (
	headerBytes     = 12
	maxPayloadBytes = 4096
)

var (
	magic = []byte{0xf1, 0x7e, 0x4c, 0x9a} // not ASCII, so rare inside payloads
	// crcTable is built on first use: MakeTable(Castagnoli) fills its
	// tables at once, which every start of the CLI paid for.
	crcTable = sync.OnceValue(func() *crc32.Table { return crc32.MakeTable(crc32.Castagnoli) })
)

// rec is one record as a reader found it.
type rec struct {
	off, n  int64 // where it sits, header included
	key     string
	version uint64
	value   []byte
}

// valueOf is the value a client writes as version of key; a reader
// checks what it got against it.
func valueOf(key string, version uint64) []byte {
	unit := fmt.Sprintf("%s:%d|", key, version)
	return []byte(strings.Repeat(unit, 48/len(unit)+1))
}

func encode(key string, version uint64, value []byte) []byte {
	payload := make([]byte, 0, len(key)+9+len(value))
	payload = append(payload, key...)
	payload = append(payload, 0)
	payload = binary.BigEndian.AppendUint64(payload, version)
	payload = append(payload, value...)
	b := make([]byte, headerBytes, headerBytes+len(payload))
	copy(b, magic)
	binary.BigEndian.PutUint32(b[4:], uint32(len(payload)))
	binary.BigEndian.PutUint32(b[8:], crc32.Checksum(payload, crcTable()))
	return append(b, payload...)
}

// decode reads the record at the start of b. With verify it checks the
// checksum; without, it trusts any record whose header is in bounds.
// ok is false for a record that is not there, cut short or corrupt.
func decode(b []byte, verify bool) (r rec, ok bool) {
	if len(b) < headerBytes || !bytes.Equal(b[:4], magic) {
		return r, false
	}
	n := int64(binary.BigEndian.Uint32(b[4:]))
	if n > maxPayloadBytes || n > int64(len(b)-headerBytes) {
		return r, false
	}
	payload := b[headerBytes : headerBytes+n]
	if verify && crc32.Checksum(payload, crcTable()) != binary.BigEndian.Uint32(b[8:]) {
		return r, false
	}
	i := bytes.IndexByte(payload, 0)
	if i < 0 || len(payload) < i+9 {
		return r, false
	}
	return rec{n: headerBytes + n, key: string(payload[:i]), version: binary.BigEndian.Uint64(payload[i+1:]),
		value: payload[i+9:]}, true
}

// scan reads every record of a log image. Past a bad stretch (a torn
// tail, zeros a lost write left, a flipped bit) it looks for the next
// magic, so records written after the damage are found. bad counts the
// bad stretches.
func scan(b []byte, verify bool) (recs []rec, bad int) {
	pos := 0
	for pos < len(b) {
		r, ok := decode(b[pos:], verify)
		if ok {
			r.off = int64(pos)
			recs = append(recs, r)
			pos += int(r.n)
			continue
		}
		bad++
		next := bytes.Index(b[pos+1:], magic)
		if next < 0 {
			break
		}
		pos += 1 + next
	}
	return recs, bad
}
