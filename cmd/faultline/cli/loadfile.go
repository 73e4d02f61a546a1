package cli

import (
	"os"
	"strings"

	"github.com/faultline/faultline/nodes/services/load"
)

// loadShapeParam is the parameter of the request-path scenarios that a
// load file feeds.
const loadShapeParam = "load_shape"

// expandLoadFile reads a load_shape=file:PATH setting at the edge and
// replaces it with the replay shape it holds, so that no world reads a
// file and the replay command carries the load inline.
func expandLoadFile(set map[string]string) error {
	v, ok := set[loadShapeParam]
	path, isFile := strings.CutPrefix(strings.TrimSpace(v), load.FilePrefix)
	if !ok || !isFile {
		return nil
	}
	text, err := os.ReadFile(path)
	if err != nil {
		return usagef("--set %s: %v", loadShapeParam, err)
	}
	sh, err := load.ParseFile(path, string(text))
	if err != nil {
		return usagef("--set %s: %v", loadShapeParam, err)
	}
	set[loadShapeParam] = sh.String()
	return nil
}
