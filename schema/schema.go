// Package schema holds the JSON Schema of report.json
// (report.schema.json, draft 2020-12) and validates documents against it.
// The schema is the documentation of the report format; the tests of the
// report writers and of the analyze command validate real output with it.
package schema

import (
	"bytes"
	_ "embed"
	"fmt"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// ReportSchema is report.schema.json.
//
//go:embed report.schema.json
var ReportSchema []byte

// ReportSchemaURL is the schema's $id.
const ReportSchemaURL = "https://github.com/kneescreen/kneescreen/schema/report.schema.json"

var (
	once     sync.Once
	compiled *jsonschema.Schema
	compErr  error
)

// Compile compiles the schema, once per process; ValidateReport does it
// on its first call if nothing did before. Compiling takes a core for
// about 17 ms, so a caller that will validate a report after long work
// (pipeline.Run, after its pose pass) calls Compile in a goroutine at the
// start rather than make the first report wait for it.
func Compile() error {
	once.Do(func() {
		s, err := jsonschema.UnmarshalJSON(bytes.NewReader(ReportSchema))
		if err != nil {
			compErr = fmt.Errorf("schema: report.schema.json: %w", err)
			return
		}
		c := jsonschema.NewCompiler()
		if err := c.AddResource(ReportSchemaURL, s); err != nil {
			compErr = fmt.Errorf("schema: %w", err)
			return
		}
		compiled, compErr = c.Compile(ReportSchemaURL)
	})
	return compErr
}

// ValidateReport checks a report.json document against the schema. The
// error lists every violation with its JSON pointer.
func ValidateReport(doc []byte) error {
	if err := Compile(); err != nil {
		return err
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return fmt.Errorf("schema: report is not JSON: %w", err)
	}
	if err := compiled.Validate(v); err != nil {
		return fmt.Errorf("schema: report.json does not match report.schema.json: %w", err)
	}
	return nil
}
