package runtime

import (
	"math"
	"regexp"
	"testing"
	"time"
)

func TestParseDuration(t *testing.T) {
	for text, want := range map[string]float64{
		"500ms": 500, "2s": 2000, "1.5s": 1500, "1m": 60000, "1h": 3600000, "0s": 0, " 2s ": 2000, "0.0004s": 0, "0.0005s": 1,
	} {
		if got, ok := ParseDuration(text); !ok || got != want {
			t.Errorf("%q: got %v, %v; want %v", text, got, ok, want)
		}
	}
	for _, text := range []string{"", "2", "s", "-1s", "1d", "1 s", "1s2", ".5s", "1e3ms", "10S"} {
		if _, ok := ParseDuration(text); ok {
			t.Errorf("%q accepted", text)
		}
	}
}

func TestFormatDurationRoundTrips(t *testing.T) {
	for _, ms := range []int64{1, 250, 1000, 90000, 3600000} {
		if got, ok := ParseDuration(FormatDuration(ms)); !ok || got != float64(ms) {
			t.Errorf("%d → %s → %v", ms, FormatDuration(ms), got)
		}
	}
	if FormatDuration(90_000) != "90s" || FormatDuration(7_200_000) != "2h" || FormatDuration(1500) != "1500ms" {
		t.Error("largest whole unit")
	}
}

func TestDurationPatternIsTheHelmSchemas(t *testing.T) {
	re := regexp.MustCompile(DurationPattern)
	if !re.MatchString("10s") || re.MatchString("10") {
		t.Error("pattern")
	}
}

func TestMillisSaturates(t *testing.T) {
	if Millis(1500) != 1500*time.Millisecond {
		t.Error("plain")
	}
	if Millis(MaxSafeInteger) != time.Duration(math.MaxInt64) {
		t.Error("saturation")
	}
}
