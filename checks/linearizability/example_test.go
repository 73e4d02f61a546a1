package linearizability_test

import (
	"fmt"

	"github.com/faultline/faultline/checks/linearizability"
)

func ExampleCheck() {
	const (
		get = linearizability.Get
		put = linearizability.Put
	)
	history := []linearizability.Op{
		{Client: 0, Kind: put, Key: "x", Value: "1", OK: true, Call: 0, Return: 10},
		// Client 1's put timed out: it may or may not have taken effect.
		{Client: 1, Kind: put, Key: "x", Value: "2", Call: 20, Pending: true},
		{Client: 2, Kind: get, Key: "x", Output: "2", OK: true, Call: 30, Return: 40},
	}
	r := linearizability.Check(history, linearizability.Options{})
	fmt.Println(r.Outcome, r.OK())

	// A read of a value from before a completed write is a stale read.
	stale := []linearizability.Op{
		{Client: 0, Kind: put, Key: "x", Value: "1", OK: true, Call: 0, Return: 10},
		{Client: 0, Kind: put, Key: "x", Value: "2", OK: true, Call: 20, Return: 30},
		{Client: 1, Kind: get, Key: "x", Output: "1", OK: true, Call: 40, Return: 50},
	}
	r = linearizability.Check(stale, linearizability.Options{})
	fmt.Println(r.Outcome)
	fmt.Println(r.Detail)
	// Output:
	// ok true
	// fail
	// not linearizable: 1 of 1 keys fail: key "x": only 2 of 3 ops linearize (put("x", "1") [op #0, client 0, 0..10 ns], put("x", "2") [op #1, client 0, 20..30 ns]); cannot place: get("x") -> "1" [op #2, client 1, 40..50 ns]; 3 ops on 1 keys checked, 0 of them pending, 0 dropped (failed, or pending gets)
}
