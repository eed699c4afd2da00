package typedsyncmap_test

import (
	"testing"

	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/gosafemap/safemap/vet/typedsyncmap"
)

func Test(t *testing.T) {
	analysistest.RunWithSuggestedFixes(t, analysistest.TestData(), typedsyncmap.Analyzer, "typedsyncmap")
}
