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

// ValidateReport checks a report.json document against the schema. The
// error lists every violation with its JSON pointer.
func ValidateReport(doc []byte) error {
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
	if compErr != nil {
		return compErr
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
