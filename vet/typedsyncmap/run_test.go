package typedsyncmap_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestFixedProgram builds and runs the test program before and after the
// fix (its .golden files, which TestAnalyzer checks are what the fix
// writes), the fixed one against the safemap library of this repository,
// and checks that both print the same.
func TestFixedProgram(t *testing.T) {
	if testing.Short() {
		t.Skip("builds two programs")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command")
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "syncmap.go")); err != nil {
		t.Skipf("the safemap library is not at %s", root)
	}
	src := filepath.Join("testdata", "src", "typedsyncmap")
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}

	unfixed, fixed := t.TempDir(), t.TempDir()
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".go") {
			continue
		}
		orig := readFile(t, filepath.Join(src, name))
		writeFile(t, filepath.Join(unfixed, name), orig)
		golden, err := os.ReadFile(filepath.Join(src, name+".golden"))
		if err != nil {
			golden = orig
		}
		writeFile(t, filepath.Join(fixed, name), golden)
	}
	writeFile(t, filepath.Join(unfixed, "go.mod"), []byte("module example.com/typedsyncmap\n\ngo 1.24\n"))
	writeFile(t, filepath.Join(fixed, "go.mod"), []byte("module example.com/typedsyncmap\n\ngo 1.24\n\n"+
		"require github.com/gosafemap/safemap v0.0.0\n\n"+
		"replace github.com/gosafemap/safemap => "+root+"\n"))
	// The library's go.sum covers its own requirements.
	writeFile(t, filepath.Join(fixed, "go.sum"), readFile(t, filepath.Join(root, "go.sum")))

	want := goRun(t, goTool, unfixed)
	got := goRun(t, goTool, fixed)
	if got != want {
		t.Errorf("the fixed program prints\n%s\nthe original prints\n%s", got, want)
	}
	if !strings.Contains(want, "cas a 1->10: true") {
		t.Errorf("the program did not run to the end:\n%s", want)
	}
}

func goRun(t *testing.T, goTool, dir string) string {
	t.Helper()
	cmd := exec.Command(goTool, "run", ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("go run in %s: %v\n%s", dir, err, stderr.String())
	}
	return stdout.String()
}

func readFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func writeFile(t *testing.T, name string, b []byte) {
	t.Helper()
	if err := os.WriteFile(name, b, 0o666); err != nil {
		t.Fatal(err)
	}
}
