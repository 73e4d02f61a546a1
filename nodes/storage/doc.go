// Package storage is a node's simulated disk: append-only files whose
// bytes become durable only when a sync completes, and which a crash cuts
// back to what a real disk would show, by a seeded crash model. It
// injects the storage faults of nodes/faults (slow disk, write errors,
// disk full, bit flips, latent sector errors, lost writes), and draws
// every choice from the node's own stream "storage/NAME".
package storage
