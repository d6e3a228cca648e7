; bianmin installer (NSIS 3, Unicode). Built by `make windows`:
;   makensis -DVERSION=0.2.0 -DDIST=../../dist packaging/windows/installer.nsi
; Per machine into Program Files; the data folder C:\ProgramData\bianmin is
; made writable for the PC's users and survives uninstall and upgrade.
; Silent: bianmin-setup-VERSION.exe /S [/D=C:\其他目录]
; The program is 64-bit only, so is its installer (no 32-bit WOW64 layer needed).
Target amd64-unicode
ManifestDPIAware true
RequestExecutionLevel admin
SetCompressor /SOLID lzma

!ifndef VERSION
  !define VERSION "0.0.0"
!endif
!ifndef DIST
  !define DIST "..\..\dist"
!endif
!define APPKEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\bianmin"

Name "便民 ${VERSION}"
OutFile "${DIST}\bianmin-setup-${VERSION}.exe"
InstallDir "$PROGRAMFILES64\bianmin"
InstallDirRegKey HKLM "Software\bianmin" "InstallDir"
BrandingText "便民 · 乡镇便民服务中心"

!include "MUI2.nsh"
!define MUI_ICON "bianmin.ico"
!define MUI_UNICON "bianmin.ico"
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_LANGUAGE "SimpChinese"

Section "Install"
  SetShellVarContext all
  SetOutPath "$INSTDIR"
  File "${DIST}\bianmin.exe"
  File "bianmin.ico"
  WriteUninstaller "$INSTDIR\uninstall.exe"

  ; The data folder: kept by the uninstaller, writable by the PC's users
  ; (S-1-5-32-545, named 用户 or Users by the system's language).
  CreateDirectory "$APPDATA\bianmin"
  nsExec::Exec 'icacls "$APPDATA\bianmin" /grant *S-1-5-32-545:(OI)(CI)M /T /Q'

  CreateDirectory "$SMPROGRAMS\便民"
  CreateShortcut "$SMPROGRAMS\便民\便民.lnk" "$INSTDIR\bianmin.exe" '--db "$APPDATA\bianmin\bianmin.db"' "$INSTDIR\bianmin.ico"
  CreateShortcut "$SMPROGRAMS\便民\便民 中心主机（开启局域网服务）.lnk" "$INSTDIR\bianmin.exe" '--db "$APPDATA\bianmin\bianmin.db" --listen :8787' "$INSTDIR\bianmin.ico"
  CreateShortcut "$SMPROGRAMS\便民\卸载便民.lnk" "$INSTDIR\uninstall.exe"
  CreateShortcut "$DESKTOP\便民.lnk" "$INSTDIR\bianmin.exe" '--db "$APPDATA\bianmin\bianmin.db"' "$INSTDIR\bianmin.ico"

  WriteRegStr HKLM "Software\bianmin" "InstallDir" "$INSTDIR"
  WriteRegStr HKLM "Software\bianmin" "DataDir" "$APPDATA\bianmin"
  WriteRegStr HKLM "${APPKEY}" "DisplayName" "便民"
  WriteRegStr HKLM "${APPKEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKLM "${APPKEY}" "Publisher" "便民"
  WriteRegStr HKLM "${APPKEY}" "DisplayIcon" "$INSTDIR\bianmin.ico"
  WriteRegStr HKLM "${APPKEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegStr HKLM "${APPKEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
  WriteRegDWORD HKLM "${APPKEY}" "NoModify" 1
  WriteRegDWORD HKLM "${APPKEY}" "NoRepair" 1
SectionEnd

Section "Uninstall"
  SetShellVarContext all
  Delete "$INSTDIR\bianmin.exe"
  Delete "$INSTDIR\bianmin.ico"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"
  Delete "$SMPROGRAMS\便民\*.lnk"
  RMDir "$SMPROGRAMS\便民"
  Delete "$DESKTOP\便民.lnk"
  DeleteRegKey HKLM "${APPKEY}"
  DeleteRegKey HKLM "Software\bianmin"
  ; $APPDATA\bianmin (the database, its backups, devices.json) stays.
SectionEnd
