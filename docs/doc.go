// Package docs holds the project's documentation. It has no code: its test
// (doctest_test.go) runs every `$ faultline ...` command that README.md and
// the pages under docs/ show, and fails when the output differs from what
// the page shows. Refresh the pages after an intended change of output with
//
//	go test ./docs/ -run TestDocs -update
package docs
