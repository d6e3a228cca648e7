// probe.c: open a COM port under Wine, write, and time four reads with the
// COMMTIMEOUTS tarm/serial uses (see run). Args: PORT [o = overlapped] [x = {0,0,300}].
#include <windows.h>
#include <stdio.h>
int main(int argc, char **argv) {
    int ov = argc > 2 && argv[2][0] == 'o';
    HANDLE h = CreateFileA(argv[1], GENERIC_READ|GENERIC_WRITE, 0, NULL, OPEN_EXISTING, ov ? FILE_FLAG_OVERLAPPED : 0, NULL);
    if (h == INVALID_HANDLE_VALUE) { printf("open failed %lu\n", GetLastError()); return 1; }
    COMMTIMEOUTS t = {0};
    t.ReadIntervalTimeout = MAXDWORD; t.ReadTotalTimeoutMultiplier = MAXDWORD; t.ReadTotalTimeoutConstant = 300;
    if (argc > 3) { t.ReadIntervalTimeout = 0; t.ReadTotalTimeoutMultiplier = 0; t.ReadTotalTimeoutConstant = 300; }
    SetCommTimeouts(h, &t);
    DWORD n; OVERLAPPED o = {0}; o.hEvent = CreateEvent(NULL, TRUE, FALSE, NULL);
    WriteFile(h, "ping\n", 5, &n, ov ? &o : NULL); if (ov) GetOverlappedResult(h, &o, &n, TRUE);
    printf("written %lu\n", n); fflush(stdout);
    char buf[64];
    for (int i = 0; i < 4; i++) {
        DWORD t0 = GetTickCount(); n = 0; ResetEvent(o.hEvent);
        BOOL ok = ReadFile(h, buf, sizeof buf, &n, ov ? &o : NULL);
        if (!ok && GetLastError() == ERROR_IO_PENDING) ok = GetOverlappedResult(h, &o, &n, TRUE);
        printf("read ok=%d n=%lu after %lums\n", ok, n, GetTickCount() - t0); fflush(stdout);
    }
    return 0;
}
