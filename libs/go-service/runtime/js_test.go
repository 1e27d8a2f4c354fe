package runtime

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
)

func TestJSONStringIsJavaScriptsJSONStringify(t *testing.T) {
	for in, want := range map[string]string{
		"":              `""`,
		"eighty":        `"eighty"`,
		`a"b\c`:         `"a\"b\\c"`,
		"\n\t\r\b\f":    `"\n\t\r\b\f"`,
		"\x01\x1b\x7f":  "\"\\u0001\\u001b\x7f\"",
		"<&>":           `"<&>"`,
		"\u2028 é 😀":    "\"\u2028 é 😀\"",
		"bad \xff byte": "\"bad \ufffd byte\"",
	} {
		if got := JSONString(in); got != want {
			t.Errorf("JSONString(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestTrimJSIsStringPrototypeTrim(t *testing.T) {
	if got := TrimJS("\ufeff\u00a0\u3000 x \u2029\t"); got != "x" {
		t.Errorf("got %q", got)
	}
	// U+0085 (NEL) is white space for Go, not for JavaScript.
	if got := TrimJS("\u0085x"); got != "\u0085x" {
		t.Errorf("got %q", got)
	}
	if !IsBlankJS(" \u200a ") || IsBlankJS("\u200b") {
		t.Error("blank")
	}
}

func TestCodePoints(t *testing.T) {
	if CodePoints(strings.Repeat("😀", 3)+"ab") != 5 {
		t.Error("code points")
	}
}

func TestFormatNumberIsJavaScriptsString(t *testing.T) {
	for in, want := range map[float64]string{
		0: "0", 100: "100", 12.5: "12.5", 0.01: "0.01", 1500: "1500", 1e-7: "1e-7", 1.5e-7: "1.5e-7", 0.000001: "0.000001", 1e21: "1e+21",
	} {
		if got := FormatNumber(in); got != want {
			t.Errorf("FormatNumber(%v) = %s, want %s", in, got, want)
		}
	}
}

func TestStatusNames(t *testing.T) {
	if len(StatusNames) != 17 || StatusName(codes.Unavailable) != "UNAVAILABLE" || StatusName(codes.Canceled) != "CANCELLED" {
		t.Error("names")
	}
	if StatusName(99) != "UNKNOWN" {
		t.Error("unknown numbers fold into UNKNOWN")
	}
	for code, name := range StatusNames {
		if got, ok := StatusCode(name); !ok || int(got) != code {
			t.Errorf("%s", name)
		}
	}
	for _, name := range []string{"unavailable", "CANCELED", "", "OK "} {
		if _, ok := StatusCode(name); ok {
			t.Errorf("%q names a code", name)
		}
	}
}

func TestLoggerWritesPinoShapedLines(t *testing.T) {
	var out bytes.Buffer
	logger := NewLogger(&out, "greeter-server", LevelInfo)
	logger.now = func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 6_000_000, time.FixedZone("x", 3600)) }
	logger.Debug("hidden")
	logger.Info("greeter server listening", F("address", "127.0.0.1:8080"), F("html", "<&>"))
	logger.Warn("failed", F("err", errBoom{}))
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("lines: %q", lines)
	}
	want := `{"level":"info","time":"2026-01-02T02:04:05.006Z","service":"greeter-server","address":"127.0.0.1:8080","html":"<&>","msg":"greeter server listening"}`
	if lines[0] != want {
		t.Errorf("got  %s\nwant %s", lines[0], want)
	}
	var warn map[string]any
	if err := json.Unmarshal([]byte(lines[1]), &warn); err != nil {
		t.Fatal(err)
	}
	if warn["level"] != "warn" || warn["err"].(map[string]any)["message"] != "boom" {
		t.Errorf("got %v", warn)
	}
	silent := NewLogger(&out, "s", LevelSilent)
	silent.Log(LevelFatal, "never")
	if strings.Contains(out.String(), "never") {
		t.Error("silent wrote")
	}
}

type errBoom struct{}

func (errBoom) Error() string { return "boom" }
