package runtime

import (
	"math"
	"regexp"
	"strconv"
	"time"
)

// DurationPattern is the form durations are written in, as Istio and
// Kubernetes users already write them: a non-negative decimal number followed
// by one unit, e.g. 500ms, 2s, 1.5m, 1h. The Helm chart's schema uses the same.
const DurationPattern = `^[0-9]+(\.[0-9]+)?(ms|s|m|h)$`

// DurationForm names the form in config errors.
const DurationForm = "a duration such as 500ms, 2s, 1m or 1h"

// MaxSafeInteger is JavaScript's Number.MAX_SAFE_INTEGER, the default upper
// bound of a duration setting in milliseconds.
const MaxSafeInteger = 9007199254740991

var durationRegexp = regexp.MustCompile(DurationPattern)

var unitMs = map[string]float64{"ms": 1, "s": 1_000, "m": 60_000, "h": 3_600_000}

// ParseDuration reads a duration as whole milliseconds (rounded as
// JavaScript's Math.round does), or reports false when it is malformed. The
// result may be huge or +Inf for absurd values; callers bound it.
func ParseDuration(text string) (float64, bool) {
	text = TrimJS(text)
	match := durationRegexp.FindStringSubmatch(text)
	if match == nil {
		return 0, false
	}
	unit := match[2]
	// A run of digits the regexp accepted always parses; a very long one may be +Inf.
	amount, _ := strconv.ParseFloat(text[:len(text)-len(unit)], 64)
	return math.Round(amount * unitMs[unit]), true
}

// FormatDuration writes milliseconds in the largest unit that keeps the value whole.
func FormatDuration(ms int64) string {
	for _, unit := range []string{"h", "m", "s"} {
		size := int64(unitMs[unit])
		if ms >= size && ms%size == 0 {
			return strconv.FormatInt(ms/size, 10) + unit
		}
	}
	return strconv.FormatInt(ms, 10) + "ms"
}

// Millis converts whole milliseconds to a time.Duration, saturating instead
// of overflowing (a FAULT_DELAY of centuries stays a very long delay).
func Millis(ms int64) time.Duration {
	if ms > math.MaxInt64/int64(time.Millisecond) {
		return time.Duration(math.MaxInt64)
	}
	return time.Duration(ms) * time.Millisecond
}
