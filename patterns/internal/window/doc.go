// Package window holds counters over a sliding window of virtual time, kept
// in a fixed number of buckets so memory stays bounded whatever the rate.
//
// A window of length d with n buckets forgets an event between d-d/n and d
// after it was added: the oldest bucket drops out whole.
package window
