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
