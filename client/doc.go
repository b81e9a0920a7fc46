// Package client is a typed Go client of the Profiles & Contacts API: the
// admin routes (/profiles and their contacts), the signed-in user's view
// (/api/me/profile) and the partner look-up (/api/users/{userId}/profile).
//
// Build one Client per base URL and share it; it is safe for concurrent use:
//
//	c := client.New("https://api.example.com",
//		client.WithBearerToken(adminToken), // admin routes
//		client.WithRetry(4))                // up to 4 attempts of a retryable answer
//	p, err := c.CreateProfile(ctx, client.ProfileInput{
//		FirstName: client.Value("Mary"),
//		LastName:  client.Value("Smith"),
//	}, nil)
//
// Answers are the public JSON types of package views, with the resource's
// ETag beside them. Writes take *WriteOptions: IfMatch makes a PUT, PATCH or
// DELETE conditional on a version read before (a stale one is a 412, see
// IsPreconditionFailed).
//
// # Patches
//
// A write names each field as absent (left as it is), null (cleared) or a
// value, with Opt: the zero Opt is absent, Value(v) sets v and Null[T]()
// clears.
//
// # Errors
//
// Every non-2xx answer is an *Error carrying the problem+json body's type,
// title, detail, field errors and requestId; API Gateway's own answers
// ({"message": ...}) become an *Error too. Branch on Status and Type, or use
// IsNotFound, IsConflict, IsPreconditionFailed and IsOutcomeUnknown.
//
// # Retries
//
// Retries are safe by construction: a request is sent again only when a
// second copy cannot take effect twice.
//
//   - A GET is retried after a 429, 502, 503 or 504 and after a network error.
//   - The three POSTs that take an Idempotency-Key (CreateProfile,
//     CreateContact, UpdateMyProfile) carry one: WriteOptions.IdempotencyKey,
//     or one the client draws from crypto/rand for the call. The key stays
//     the same across the client's own retries, so a retry after an
//     outcome-unknown 503, a 5xx from the gateway or a lost answer takes
//     effect at most once.
//   - A write without a key (PUT, PATCH, DELETE, or a POST sent with
//     NoIdempotencyKey) is retried only after an answer that proves nothing
//     landed: a 429 (API Gateway's throttling, before any function ran) or a
//     plain 503 (the service wrote nothing). After an outcome-unknown 503 or
//     a lost answer it returns the error: read the resource before writing
//     again (IsOutcomeUnknown says so).
//
// A request gets 3 attempts unless WithRetry says otherwise. Retries wait a
// jittered exponential backoff, at least the answer's Retry-After (up to
// WithBackoff's most), and never past the context's end; a context that
// has ended sends nothing.
package client
