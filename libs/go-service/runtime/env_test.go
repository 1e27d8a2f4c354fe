package runtime

import (
	"strconv"
	"testing"
)

func configError(t *testing.T, read func(r *EnvReader)) *ConfigError {
	t.Helper()
	r := NewEnvReader(MapEnv(nil))
	read(r)
	if r.err == nil {
		t.Fatal("expected a ConfigError")
	}
	return r.err
}

func reader(values map[string]string) *EnvReader { return NewEnvReader(MapEnv(values)) }

func TestUnsetAndBlankValuesGiveDefaults(t *testing.T) {
	r := reader(map[string]string{"EMPTY": "", "BLANK": "   ", "NBSP": "\u00a0\ufeff"})
	for _, name := range []string{"UNSET", "EMPTY", "BLANK", "NBSP"} {
		if _, ok := r.Raw(name); ok {
			t.Errorf("Raw(%s) is set", name)
		}
		if got := r.String(name, "fallback"); got != "fallback" {
			t.Errorf("String(%s) = %q", name, got)
		}
		if got := r.Integer(name, 3, 1, 5); got != 3 {
			t.Errorf("Integer(%s) = %d", name, got)
		}
		if got := r.Percent(name, 12.5); got != 12.5 {
			t.Errorf("Percent(%s) = %v", name, got)
		}
		if got := r.Duration(name, 2000, 0, MaxSafeInteger); got != 2000 {
			t.Errorf("Duration(%s) = %d", name, got)
		}
		if got := r.OneOf(name, "info", []string{"info", "debug"}); got != "info" {
			t.Errorf("OneOf(%s) = %q", name, got)
		}
	}
	if r.Err() != nil {
		t.Fatal(r.Err())
	}
}

func TestTrimsSurroundingWhitespace(t *testing.T) {
	r := reader(map[string]string{"NAME": "  world \n", "COUNT": " 7 "})
	if got := r.String("NAME", "x"); got != "world" {
		t.Errorf("got %q", got)
	}
	if got := r.Integer("COUNT", 0, 0, 10); got != 7 {
		t.Errorf("got %d", got)
	}
}

func TestInteger(t *testing.T) {
	for text, want := range map[string]int64{"1": 1, "5": 5, "3": 3, "003": 3} {
		r := reader(map[string]string{"N": text})
		if got := r.Integer("N", 0, 1, 5); got != want || r.Err() != nil {
			t.Errorf("%q: got %d, %v", text, got, r.Err())
		}
	}
	if got := reader(map[string]string{"N": "-2"}).Integer("N", 0, -5, 5); got != -2 {
		t.Errorf("negative: got %d", got)
	}
	for _, text := range []string{"0", "6", "-1", "1.5", "1e2", "three", "0x3", "+3", "99999999999999999999"} {
		err := configError(t, func(r *EnvReader) {
			r.env = MapEnv(map[string]string{"MAX_ATTEMPTS": text})
			r.Integer("MAX_ATTEMPTS", 3, 1, 5)
		})
		want := "MAX_ATTEMPTS: expected an integer from 1 to 5, got " + strconv.Quote(text)
		if err.Error() != want || err.Setting != "MAX_ATTEMPTS" {
			t.Errorf("%q: %q, want %q", text, err.Error(), want)
		}
	}
}

func TestPercent(t *testing.T) {
	for text, want := range map[string]float64{"0": 0, "100": 100, "12.5": 12.5, "0.01": 0.01} {
		if got := reader(map[string]string{"P": text}).Percent("P", 0); got != want {
			t.Errorf("%q: got %v", text, got)
		}
	}
	for _, text := range []string{"101", "100.5", "-1", "50%", ".5", "half", "1e1"} {
		err := configError(t, func(r *EnvReader) {
			r.env = MapEnv(map[string]string{"FAULT_ABORT_PERCENT": text})
			r.Percent("FAULT_ABORT_PERCENT", 0)
		})
		want := "FAULT_ABORT_PERCENT: expected a percentage from 0 to 100, got " + strconv.Quote(text)
		if err.Error() != want {
			t.Errorf("%q: %q", text, err.Error())
		}
	}
}

func TestDurationSetting(t *testing.T) {
	for text, want := range map[string]int64{"500ms": 500, "2s": 2000, "1.5m": 90000, "1h": 3600000} {
		if got := reader(map[string]string{"D": text}).Duration("D", 0, 0, MaxSafeInteger); got != want {
			t.Errorf("%q: got %d", text, got)
		}
	}
	bounds := reader(map[string]string{"LOW": "1s", "HIGH": "2s"})
	if bounds.Duration("LOW", 0, 1000, 2000) != 1000 || bounds.Duration("HIGH", 0, 1000, 2000) != 2000 || bounds.Err() != nil {
		t.Error("the bounds themselves are accepted")
	}
	for _, text := range []string{"10", "10 s", "soon", "-1s", "1d"} {
		err := configError(t, func(r *EnvReader) {
			r.env = MapEnv(map[string]string{"TIMEOUT": text})
			r.Duration("TIMEOUT", 5000, 0, MaxSafeInteger)
		})
		want := "TIMEOUT: expected a duration such as 500ms, 2s, 1m or 1h, from 0ms to 9007199254740991ms, got " + strconv.Quote(text)
		if err.Error() != want {
			t.Errorf("%q: %q", text, err.Error())
		}
	}
	for _, text := range []string{"999ms", "2001ms"} {
		err := configError(t, func(r *EnvReader) {
			r.env = MapEnv(map[string]string{"INTERVAL": text})
			r.Duration("INTERVAL", 2000, 1000, 2000)
		})
		want := "INTERVAL: expected a duration such as 500ms, 2s, 1m or 1h, from 1000ms to 2000ms, got " + strconv.Quote(text)
		if err.Error() != want {
			t.Errorf("%q: %q", text, err.Error())
		}
	}
}

func TestOneOf(t *testing.T) {
	levels := []string{"info", "debug", "warn"}
	if got := reader(map[string]string{"LOG_LEVEL": "debug"}).OneOf("LOG_LEVEL", "info", levels); got != "debug" {
		t.Errorf("got %q", got)
	}
	for _, text := range []string{"DEBUG", "verbose"} {
		err := configError(t, func(r *EnvReader) {
			r.env = MapEnv(map[string]string{"LOG_LEVEL": text})
			r.OneOf("LOG_LEVEL", "info", levels)
		})
		if want := "LOG_LEVEL: expected one of info, debug, warn, got " + strconv.Quote(text); err.Error() != want {
			t.Errorf("%q: %q", text, err.Error())
		}
	}
}

func TestKeepsTheFirstErrorOnly(t *testing.T) {
	r := reader(map[string]string{"PORT": "eighty", "LOG_LEVEL": "loud"})
	r.Integer("PORT", 8080, 0, 65535)
	r.OneOf("LOG_LEVEL", "info", LogLevels)
	err := r.Err().(*ConfigError)
	if err.Setting != "PORT" || err.Expected != "an integer from 0 to 65535" || err.Received != "eighty" {
		t.Errorf("got %+v", err)
	}
}
