package bench

import (
	"bytes"
	"os/exec"
	"path/filepath"
	"testing"

	"golang.org/x/mod/module"
	"golang.org/x/mod/zip"
)

// maxModuleZip bounds the zip of the safemap module that `go get` fetches:
// an importer should download the library, not its benchmark results,
// which live in this nested module and are left out of that zip.
const maxModuleZip = 400 << 10

// TestModuleZipSize builds the module zip of the repository's committed
// HEAD, as the module proxy would serve it, and fails if it is over
// maxModuleZip.
func TestModuleZipSize(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	if err := exec.Command("git", "-C", root, "rev-parse", "HEAD").Run(); err != nil {
		t.Skipf("not a git checkout with a commit: %v", err)
	}
	var buf bytes.Buffer
	m := module.Version{Path: "github.com/gosafemap/safemap", Version: "v0.1.0"}
	if err := zip.CreateFromVCS(&buf, m, root, "HEAD", ""); err != nil {
		t.Fatalf("building the module zip: %v", err)
	}
	t.Logf("module zip of HEAD: %d bytes (at most %d)", buf.Len(), maxModuleZip)
	if buf.Len() > maxModuleZip {
		t.Errorf("the module zip of HEAD is %d bytes, over %d: keep generated files in bench/", buf.Len(), maxModuleZip)
	}
}
