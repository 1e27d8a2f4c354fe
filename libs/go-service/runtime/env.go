package runtime

import (
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Env looks a variable up, as os.LookupEnv does.
type Env func(name string) (string, bool)

// OSEnv is the process environment.
var OSEnv Env = os.LookupEnv

// MapEnv is an environment made of a map, for tests.
func MapEnv(values map[string]string) Env {
	return func(name string) (string, bool) {
		value, ok := values[name]
		return value, ok
	}
}

// EnvReader reads typed settings from an environment. Each reader returns its
// default when the variable is unset or blank. A malformed value records a
// ConfigError naming the variable and the reader returns the default; only
// the first error is kept (the TypeScript readers throw at the first one), so
// a program reads all its settings, then checks Err once.
type EnvReader struct {
	env Env
	err *ConfigError
}

// NewEnvReader reads from env.
func NewEnvReader(env Env) *EnvReader {
	return &EnvReader{env: env}
}

// Err is the first ConfigError met, or nil.
func (r *EnvReader) Err() error {
	if r.err == nil {
		return nil
	}
	return r.err
}

// Fail records a ConfigError unless one was recorded already.
func (r *EnvReader) Fail(setting, expected, received string) {
	if r.err == nil {
		r.err = &ConfigError{Setting: setting, Expected: expected, Received: received}
	}
}

// Raw is the trimmed value, or false when unset or blank.
func (r *EnvReader) Raw(name string) (string, bool) {
	value, ok := r.env(name)
	if !ok {
		return "", false
	}
	value = TrimJS(value)
	return value, value != ""
}

// String is the value, or fallback.
func (r *EnvReader) String(name, fallback string) string {
	if value, ok := r.Raw(name); ok {
		return value
	}
	return fallback
}

var integerRegexp = regexp.MustCompile(`^-?[0-9]+$`)

// Integer is an integer from min to max.
func (r *EnvReader) Integer(name string, fallback, min, max int64) int64 {
	text, ok := r.Raw(name)
	if !ok {
		return fallback
	}
	value, err := strconv.ParseInt(text, 10, 64)
	if !integerRegexp.MatchString(text) || err != nil || value < min || value > max ||
		value > MaxSafeInteger || value < -MaxSafeInteger {
		r.Fail(name, "an integer from "+strconv.FormatInt(min, 10)+" to "+strconv.FormatInt(max, 10), text)
		return fallback
	}
	return value
}

var percentRegexp = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?$`)

// Percent is a percentage from 0 to 100 with decimals, as Istio's percentage.value.
func (r *EnvReader) Percent(name string, fallback float64) float64 {
	text, ok := r.Raw(name)
	if !ok {
		return fallback
	}
	value := -1.0
	if percentRegexp.MatchString(text) {
		value, _ = strconv.ParseFloat(text, 64)
	}
	if !(value >= 0 && value <= 100) {
		r.Fail(name, "a percentage from 0 to 100", text)
		return fallback
	}
	return value
}

// Duration is a duration in whole milliseconds, from minMs to maxMs.
func (r *EnvReader) Duration(name string, fallbackMs, minMs, maxMs int64) int64 {
	text, ok := r.Raw(name)
	if !ok {
		return fallbackMs
	}
	ms, ok := ParseDuration(text)
	if !ok || ms < float64(minMs) || ms > float64(maxMs) {
		r.Fail(name, DurationForm+", from "+strconv.FormatInt(minMs, 10)+"ms to "+strconv.FormatInt(maxMs, 10)+"ms", text)
		return fallbackMs
	}
	return int64(ms)
}

// OneOf is one of the allowed values, spelled exactly.
func (r *EnvReader) OneOf(name, fallback string, allowed []string) string {
	text, ok := r.Raw(name)
	if !ok {
		return fallback
	}
	if !slices.Contains(allowed, text) {
		r.Fail(name, "one of "+strings.Join(allowed, ", "), text)
		return fallback
	}
	return text
}
