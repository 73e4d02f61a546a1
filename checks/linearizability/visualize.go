package linearizability

import (
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"

	"github.com/anishathalye/porcupine"
)

// historyName names the visualization of ops after a hash of the history,
// so the same failing history always lands in the same file.
func historyName(ops []Op) string {
	h := fnv.New64a()
	for _, op := range ops {
		fmt.Fprintf(h, "%d|%d|%q|%q|%q|%q|%t|%d|%d|%t\n",
			op.Client, op.Kind, op.Key, op.Value, op.Expect, op.Output, op.OK, op.Call, op.Return, op.Pending)
	}
	return fmt.Sprintf("linearizability-%016x.html", h.Sum64())
}

// writeVisualization writes porcupine's HTML visualization to dir/name via a
// temporary file and a rename, so the file is either whole or absent.
func writeVisualization(dir, name string, model porcupine.Model, info porcupine.LinearizationInfo) (string, error) {
	f, err := os.CreateTemp(dir, "."+name+".*.tmp")
	if err != nil {
		return "", fmt.Errorf("create temp file in %s: %w", dir, err)
	}
	tmp := f.Name()
	err = porcupine.Visualize(model, info, f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	path := filepath.Join(dir, name)
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	return path, nil
}
