package inventory

import "strings"

// deviceModel picks the model the agent reports from the SMBIOS System
// Information (type 1) strings, which Linux shows as DMI product_name and
// product_version and Windows as Win32_ComputerSystemProduct Name and
// Version (Win32_ComputerSystem.Model is the same Product Name).
//
// Lenovo keeps the machine type-model in Product Name and the marketing
// name in Version: dmidecode on a ThinkPad T14 Gen 3 prints "Product Name:
// 21CF004PGE", "Version: ThinkPad T14 Gen 3" (longsleep's "Install Pop!_OS
// 22.04 on Lenovo T14-G3-AMD" notes), on a T14s Gen 2a "20XGS1KT02" and
// "ThinkPad T14s Gen 2a" (https://bugzilla.kernel.org/show_bug.cgi?id=218148,
// forwarded to linux-kernel on 2023-11-16), and
// Windows administration scripts read the name from
// Win32_ComputerSystemProduct.Version on Lenovo only (PowerShellFredrik/
// PowerShellFunctions Windows/Get-ComputerModel.ps1; franklesniak/
// sysadmin-accelerator GetComputerSystemProductVersion.vbs: "On Lenovo
// computers, this would be the actual product name of the computer").
// Other vendors put the name in Product Name and leave Version blank or
// use it for a revision (HP: " ", Win32_ComputerSystemProduct of an HP
// ZBook in OSDeploy/OSDCloudScripts WMI/Classes). So on Lenovo the model is
// Version and the machine type-model is kept as the identifier, on every
// OS alike, so that a fleet is not split between machine types and names;
// elsewhere the model is Product Name and there is no identifier.
func deviceModel(manufacturer, productName, productVersion string) (model, identifier string) {
	manufacturer, productName, productVersion = clean(manufacturer), clean(productName), clean(productVersion)
	if strings.EqualFold(manufacturer, "LENOVO") && productVersion != "" && !strings.EqualFold(productVersion, manufacturer) {
		return productVersion, productName
	}
	return productName, ""
}
