// Package bulk imports profiles into the API and exports them from it,
// over package client, for files of any size.
//
// Import reads NDJSON (one Profile object a line, as the API answers it)
// or CSV (a header row naming the fields) and sends it to POST
// /profiles/batch in batches of client.BatchLimit rows, a bounded number of
// batches in flight, paced below a rate of rows a second. A checkpoint file
// records each acknowledged batch, and every batch's Idempotency-Key is
// derived from the file's SHA-256 and the batch's number (BatchKey), so an
// import stopped or crashed resumes where it was and never writes a row
// twice. Each row that failed goes to an error file with its line number
// and its problem.
//
// Export writes every profile of a listing as NDJSON, page by page through
// the listing's cursor. What it writes imports back unchanged: each line
// carries its profileId, which makes the row an upsert of that profile.
//
// Both hold memory flat whatever the file's size. See docs/bulk.md.
package bulk
