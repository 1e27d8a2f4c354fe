package runtime

import "google.golang.org/grpc/codes"

// StatusNames are the gRPC status codes by their canonical names
// (grpc/doc/statuscodes.md), the spelling of logs, metric labels and Istio's
// abort.grpcStatus. Index = numeric code.
var StatusNames = [...]string{
	"OK",
	"CANCELLED",
	"UNKNOWN",
	"INVALID_ARGUMENT",
	"DEADLINE_EXCEEDED",
	"NOT_FOUND",
	"ALREADY_EXISTS",
	"PERMISSION_DENIED",
	"RESOURCE_EXHAUSTED",
	"FAILED_PRECONDITION",
	"ABORTED",
	"OUT_OF_RANGE",
	"UNIMPLEMENTED",
	"INTERNAL",
	"UNAVAILABLE",
	"DATA_LOSS",
	"UNAUTHENTICATED",
}

// StatusName is the canonical name of a code; unknown numbers fold into UNKNOWN.
func StatusName(code codes.Code) string {
	if int(code) < len(StatusNames) {
		return StatusNames[code]
	}
	return "UNKNOWN"
}

// StatusCode is the code a canonical name stands for.
func StatusCode(name string) (codes.Code, bool) {
	for code, known := range StatusNames {
		if known == name {
			return codes.Code(code), true
		}
	}
	return 0, false
}
