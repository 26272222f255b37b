#Requires -Version 5.1
#Requires -RunAsAdministrator
<#
.SYNOPSIS
    Installs, upgrades or removes kretslopp-agent as a Windows service.

.DESCRIPTION
    Meant for Intune (Win32 app: install command
    `powershell.exe -ExecutionPolicy Bypass -File Install-KretsloppAgent.ps1 -CollectorUrl ... -Token ...`,
    uninstall command `... -Uninstall`, detection rule: registry value
    HKLM\SOFTWARE\Kretslopp\Agent\Version) or a group policy computer start-up
    script. Runs as SYSTEM or an administrator; safe to run again (an upgrade
    is the same command with a newer kretslopp-agent.exe).

    1. copies kretslopp-agent.exe to %ProgramFiles%\Kretslopp
    2. writes %ProgramData%\Kretslopp\agent.yaml and agent.token, in a folder
       only SYSTEM and Administrators can read (the token is a secret)
    3. registers the service "kretslopp-agent" (automatic, delayed start,
       LocalSystem) with recovery actions: restart after 30 s, 60 s, 5 min
       (sc.exe failure), also when the agent exits with an error
    4. starts it, and records the version for the Intune detection rule.

    The spool (%ProgramData%\Kretslopp\spool) holds reports the collector has
    not acknowledged yet: an upgrade or -Uninstall keeps it; only -Purge
    deletes it.

.PARAMETER CollectorUrl
    OTLP/HTTP base URL of the collector, e.g. https://kretslopp.example.se:4318.
.PARAMETER Token
    The agent bearer token (one per site or device group; see docs/security.md).
.PARAMETER Labels
    Extra tags for every device point, e.g. @{ site = 'Rinkeby skola'; department = 'utbildning' }.
.PARAMETER CaFile
    Optional PEM bundle of a private CA that signed the collector's certificate.
.PARAMETER SourceExe
    kretslopp-agent.exe to install (default: beside this script).
.PARAMETER Interval
    Report interval (Go duration or days: 15m, 1h, 1d).
.PARAMETER Uninstall
    Stop and remove the service and the binary; keep configuration and spool.
.PARAMETER Purge
    With -Uninstall: also delete %ProgramData%\Kretslopp (configuration, token, spool).
#>
[CmdletBinding(DefaultParameterSetName = 'Install')]
param(
    [Parameter(ParameterSetName = 'Install', Mandatory = $true)]
    [ValidatePattern('^https?://')]
    [string] $CollectorUrl,

    [Parameter(ParameterSetName = 'Install', Mandatory = $true)]
    [ValidateNotNullOrEmpty()]
    [string] $Token,

    [Parameter(ParameterSetName = 'Install')]
    [hashtable] $Labels = @{},

    [Parameter(ParameterSetName = 'Install')]
    [string] $CaFile = '',

    [Parameter(ParameterSetName = 'Install')]
    [string] $SourceExe = (Join-Path $PSScriptRoot 'kretslopp-agent.exe'),

    [Parameter(ParameterSetName = 'Install')]
    [string] $Interval = '15m',

    [Parameter(ParameterSetName = 'Uninstall', Mandatory = $true)]
    [switch] $Uninstall,

    [Parameter(ParameterSetName = 'Uninstall')]
    [switch] $Purge
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

$ServiceName = 'kretslopp-agent'   # the agent's own service name (agentservice.Name)
$InstallDir  = Join-Path $env:ProgramFiles 'Kretslopp'
$Exe         = Join-Path $InstallDir 'kretslopp-agent.exe'
$DataDir     = Join-Path $env:ProgramData 'Kretslopp'   # agent default: %ProgramData%\Kretslopp
$ConfigFile  = Join-Path $DataDir 'agent.yaml'
$TokenFile   = Join-Path $DataDir 'agent.token'
$SpoolDir    = Join-Path $DataDir 'spool'
$RegKey      = 'HKLM:\SOFTWARE\Kretslopp\Agent'

function Invoke-Sc {
    # sc.exe reports failure through its exit code only.
    & sc.exe @args | Out-Null
    if ($LASTEXITCODE -ne 0) { throw "sc.exe $($args -join ' ') failed with exit code $LASTEXITCODE" }
}

function Stop-Agent {
    $svc = Get-Service -Name $ServiceName -ErrorAction SilentlyContinue
    if ($svc -and $svc.Status -ne 'Stopped') {
        Stop-Service -Name $ServiceName -Force
        $svc.WaitForStatus('Stopped', [TimeSpan]::FromSeconds(60))
    }
    return $svc
}

function ConvertTo-YamlString([string] $s) {
    # Single-quoted YAML scalar: only ' needs escaping (doubled).
    return "'" + ($s -replace "'", "''") + "'"
}

if ($Uninstall) {
    $svc = Stop-Agent
    if ($svc) { Invoke-Sc delete $ServiceName }
    if (Test-Path $InstallDir) { Remove-Item -Recurse -Force $InstallDir }
    if (Test-Path $RegKey) { Remove-Item -Recurse -Force $RegKey }
    if ($Purge -and (Test-Path $DataDir)) { Remove-Item -Recurse -Force $DataDir }
    Write-Output "kretslopp-agent removed$(if ($Purge) { ' with its configuration and spool' } else { '; configuration and spool kept in ' + $DataDir })"
    exit 0
}

if (-not (Test-Path $SourceExe)) { throw "kretslopp-agent.exe not found at $SourceExe" }
$version = (& $SourceExe version) -join ' '
if ($LASTEXITCODE -ne 0) { throw "$SourceExe does not run: $version" }

# 1. Binary (stop first: a running .exe cannot be replaced).
$existing = Stop-Agent
New-Item -ItemType Directory -Force -Path $InstallDir | Out-Null
Copy-Item -Force -Path $SourceExe -Destination $Exe

# 2. Configuration, readable by SYSTEM and Administrators only.
New-Item -ItemType Directory -Force -Path $DataDir | Out-Null
& icacls.exe $DataDir /inheritance:r /grant:r '*S-1-5-18:(OI)(CI)F' '*S-1-5-32-544:(OI)(CI)F' | Out-Null
if ($LASTEXITCODE -ne 0) { throw "icacls on $DataDir failed" }
[IO.File]::WriteAllText($TokenFile, $Token.Trim() + "`n", (New-Object Text.UTF8Encoding $false))

$yaml = @(
    '# Written by Install-KretsloppAgent.ps1; run it again to change.'
    "collector_url: $(ConvertTo-YamlString $CollectorUrl)"
    "token_file: $(ConvertTo-YamlString $TokenFile)"
    "spool_dir: $(ConvertTo-YamlString $SpoolDir)"
    "interval: $(ConvertTo-YamlString $Interval)"
)
if ($CaFile) {
    $caDest = Join-Path $DataDir 'ca.pem'
    Copy-Item -Force -Path $CaFile -Destination $caDest
    $yaml += "ca_file: $(ConvertTo-YamlString $caDest)"
}
if ($Labels.Count -gt 0) {
    $yaml += 'labels:'
    foreach ($k in ($Labels.Keys | Sort-Object)) {
        if ($k -notmatch '^[A-Za-z0-9_.-]+$') { throw "label key '$k': use letters, digits, _ . -" }
        $yaml += "  ${k}: $(ConvertTo-YamlString ([string]$Labels[$k]))"
    }
}
$yaml += 'log_level: info'
[IO.File]::WriteAllText($ConfigFile, ($yaml -join "`n") + "`n", (New-Object Text.UTF8Encoding $false))

# 3. Service with recovery actions.
$binPath = "`"$Exe`" --config `"$ConfigFile`" run"
if (-not $existing) {
    New-Service -Name $ServiceName -BinaryPathName $binPath -DisplayName 'Kretslopp agent' `
        -Description 'Reports device identity, uptime and battery wear to the Kretslopp collector.' `
        -StartupType Automatic | Out-Null
} else {
    Invoke-Sc config $ServiceName binPath= $binPath
}
Invoke-Sc config $ServiceName start= delayed-auto obj= LocalSystem
# Restart after 30 s, 60 s, then every 5 min; forget failures after a day.
Invoke-Sc failure $ServiceName reset= 86400 actions= restart/30000/restart/60000/restart/300000
# Also apply the actions when the agent stops with an error exit code.
Invoke-Sc failureflag $ServiceName 1

# 4. Start and record the version for detection.
Start-Service -Name $ServiceName
(Get-Service -Name $ServiceName).WaitForStatus('Running', [TimeSpan]::FromSeconds(30))
New-Item -Force -Path $RegKey | Out-Null
Set-ItemProperty -Path $RegKey -Name 'Version' -Value $version
Set-ItemProperty -Path $RegKey -Name 'InstallDir' -Value $InstallDir
Write-Output "kretslopp-agent installed and running: $version"
exit 0
