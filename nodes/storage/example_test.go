package storage_test

import (
	"fmt"
	"time"

	"github.com/faultline/faultline/network"
	"github.com/faultline/faultline/nodes/storage"
	"github.com/faultline/faultline/sim"
)

// A crash keeps what a completed sync covered and loses the rest.
func Example() {
	w := sim.New(1, sim.Options{})
	var d *storage.Disk
	d, _ = storage.New(w, 0, "n1", storage.Model{SyncLatency: network.Const(time.Millisecond)}, func(s storage.Synced) {
		fmt.Printf("%v: %s synced (%v), err %v\n", time.Duration(w.Now()), s.Name, s.Tag, s.Err)
	})
	_ = d.Append("log", []byte("put a=1;"))
	_ = d.Sync("log", "first")
	_ = w.Run()
	_ = d.Append("log", []byte("put b=2;")) // acknowledged here would be a bug
	d.Crash()
	b, _ := d.ReadFile("log")
	fmt.Printf("after the crash: %q\n", b)
	// Output:
	// 1.00008ms: log synced (first), err <nil>
	// after the crash: "put a=1;"
}

// SyncSeq numbers its syncs instead of tagging them: a log that syncs
// every batch gets each completion as a *SeqSynced, without boxing a tag.
func ExampleDisk_SyncSeq() {
	w := sim.New(1, sim.Options{})
	d, _ := storage.New(w, 0, "n1", storage.Model{SyncLatency: network.Const(time.Millisecond)}, func(s storage.Synced) {
		q := s.Tag.(*storage.SeqSynced) // the node runtime hands q itself to Timer
		fmt.Printf("%s: batch %d durable, err %v\n", q.Name, q.Seq, q.Err)
	})
	for batch := range uint64(3) {
		_ = d.Append("log", []byte("batch;"))
		_ = d.SyncSeq("log", batch)
	}
	_ = w.Run()
	// Output:
	// log: batch 0 durable, err <nil>
	// log: batch 1 durable, err <nil>
	// log: batch 2 durable, err <nil>
}
