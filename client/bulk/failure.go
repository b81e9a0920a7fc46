package bulk

import (
	"encoding/json"

	"github.com/profiles-service/profiles/client"
)

// RowFailure is a line of the error file: a row that failed, where it is
// in the file, and its problem.
type RowFailure struct {
	// Line is the row's line number in the import file.
	Line int `json:"line"`
	// Status is the item's status; 0 for a row that could not be read and
	// was never sent.
	Status int `json:"status,omitempty"`
	// Type, Title and Detail are the item's problem (RFC 9457); a row that
	// could not be read has only a Title and a Detail.
	Type   string `json:"type,omitempty"`
	Title  string `json:"title"`
	Detail string `json:"detail,omitempty"`
	// Errors names each invalid field of a 400.
	Errors []client.FieldError `json:"errors,omitempty"`
	// ExistingProfileID names the profile that holds a taken uuid (409).
	ExistingProfileID string `json:"existingProfileId,omitempty"`
	// RequestID is the batch request's id: quote it when reporting.
	RequestID string `json:"requestId,omitempty"`
	// Row is the row as the file holds it.
	Row string `json:"row"`
}

// failureOf is the failure of a row the API refused.
func failureOf(r Row, res client.BatchResult) RowFailure {
	f := RowFailure{Line: r.Line, Status: res.Status, Row: r.Raw, Title: "No result"}
	if e := res.Err; e != nil {
		f.Type, f.Title, f.Detail, f.Errors, f.ExistingProfileID, f.RequestID = e.Type, e.Title, e.Detail, e.Errors, e.ExistingProfileID, e.RequestID
	}
	return f
}

// writeFailure adds f to the error file's buffer.
func (im *importer) writeFailure(f RowFailure) {
	b, err := json.Marshal(f)
	if err != nil {
		return // a RowFailure holds only strings, ints and field errors
	}
	_, _ = im.errs.Write(append(b, '\n')) // its error comes back from Flush
}
