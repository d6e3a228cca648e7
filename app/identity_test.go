package app

import "testing"

func TestValidateIDNumber(t *testing.T) {
	// 11010519491231002X is the GB 11643 standard's own example.
	for _, ok := range []string{"11010519491231002X", "11010519491231002x", "440524188001010014"} {
		if _, err := ValidateIDNumber(ok); err != nil {
			t.Errorf("%s rejected: %v", ok, err)
		}
	}
	for bad, code := range map[string]Code{
		"110105194912310021": "bad_id", // wrong check digit
		"11010519491331002X": "bad_id", // month 13
		"1101051949123100":   "bad_id", // short
		"1101051949123100AX": "bad_id",
	} {
		_, err := ValidateIDNumber(bad)
		if ErrorCode(err) != code || UserMessage(err) == "" {
			t.Errorf("%s: err %v", bad, err)
		}
	}
}

func TestMasking(t *testing.T) {
	if got := MaskID("11010519491231002X"); got != "110105********002X" {
		t.Errorf("MaskID = %s", got)
	}
	if got := MaskPhone("13812345678"); got != "138****5678" {
		t.Errorf("MaskPhone = %s", got)
	}
	if got := MaskName("欧阳娜娜"); got != "欧阳**" {
		t.Errorf("MaskName = %s", got)
	}
	if got := MaskName("张三"); got != "张*" {
		t.Errorf("MaskName = %s", got)
	}
	a, b := HashID([]byte("k"), "11010519491231002x"), HashID([]byte("k"), "11010519491231002X")
	if a != b || a == HashID([]byte("other"), "11010519491231002X") {
		t.Error("HashID must normalise case and depend on the key")
	}
}

func TestValidatePhoneAndArea(t *testing.T) {
	for _, ok := range []string{"13812345678", "0538-8221234", "05388221234"} {
		if _, err := ValidatePhone(ok); err != nil {
			t.Errorf("%s rejected", ok)
		}
	}
	for _, bad := range []string{"12812345678", "1381234567", "abc", ""} {
		if _, err := ValidatePhone(bad); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
	if ValidateAreaCode("370911105000") != nil || ValidateAreaCode("37091110500") == nil || ValidateAreaCode("970911105000") == nil {
		t.Error("area code validation wrong")
	}
}

func TestPINHash(t *testing.T) {
	h, err := HashPIN("246810")
	if err != nil {
		t.Fatal(err)
	}
	if !VerifyPIN(h, "246810") || VerifyPIN(h, "246811") || VerifyPIN("garbage", "246810") {
		t.Error("VerifyPIN wrong")
	}
	h2, _ := HashPIN("246810")
	if h == h2 {
		t.Error("salt not random")
	}
	if _, err := HashPIN("12a4"); ErrorCode(err) != "bad_pin" {
		t.Errorf("non-digit PIN: %v", err)
	}
}
