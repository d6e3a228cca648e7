package printing

import (
	"testing"

	"bianmin/devices/escpos"
)

// BenchmarkReceiptWire reports the bytes a 办件回执 puts on the wire and the
// seconds that takes at 9600 baud (8N1: 10 bits a byte), with the QR code sent
// natively (GS ( k) and as a raster image (GS v 0).
func BenchmarkReceiptWire(b *testing.B) {
	for _, c := range []struct {
		name   string
		native bool
	}{{"native-qr", true}, {"raster-qr", false}} {
		b.Run(c.name, func(b *testing.B) {
			p := escpos.Profile58
			p.NativeQR = c.native
			var n int
			for i := 0; i < b.N; i++ {
				job, err := ReceiptDoc(p, sampleReceipt())
				if err != nil {
					b.Fatal(err)
				}
				n = len(job)
			}
			b.ReportMetric(float64(n), "bytes")
			b.ReportMetric(float64(n)*10/9600, "s@9600")
		})
	}
}
