package carbon

import "regexp"

// appleIdentifiers maps the model identifiers that macOS reports (the
// IOPlatformExpertDevice "model" the agent sends, e.g. "MacBookAir10,1")
// to the data set's footprint of that Mac. Identifier ↔ Mac as Apple's
// "Identify your MacBook Air / MacBook Pro / Mac mini / iMac / Mac Pro
// model" pages list them (support.apple.com HT201862, HT201300, HT201894,
// HT201634, HT202888; cross-checked with the list compiled from them in
// github.com/quacktacular/mac-device-id-to-model, models.txt). Where the
// data set has several configurations of one Mac, the entry is its base
// configuration (least storage, slowest processor), so that avoided
// emissions are not overstated. An identifier shared by two model years
// points at the year the data set has. A test checks that every product
// named here is in the data set.
var appleIdentifiers = map[string]string{
	"MacBookAir10,1": "MacBook Air (M1 2020) with 256GB",                                                          // MacBook Air (M1, 2020)
	"Mac14,2":        "MacBook Air (M2 2022) with 256GB",                                                          // MacBook Air (M2, 2022)
	"MacBookAir9,1":  "13-inch MacBook Air with Retina display (1.1GHz dual-core CPU) 256GB - 2020",               // MacBook Air (Retina, 13-inch, 2020)
	"MacBookPro17,1": "13-inch MacBook Pro (M1 CPU) 256GB - 2020",                                                 // MacBook Pro (13-inch, M1, 2020)
	"Mac14,7":        "MacBook Pro (M2 2022) with 256GB",                                                          // MacBook Pro (13-inch, M2, 2022)
	"MacBookPro16,2": "13-inch MacBook Pro (Four Thunderbolt 3 ports) 512GB - 2020",                               // MacBook Pro (13-inch, 2020, Four Thunderbolt 3 ports)
	"MacBookPro16,3": "13-inch MacBook Pro (Two Thunderbolt 3 ports) 256GB - 2020",                                // MacBook Pro (13-inch, 2020, Two Thunderbolt 3 ports)
	"MacBookPro18,3": "14-inch MacBook Pro (M1 Pro 8-core CPU and 14-core GPU) 512GB - 2021",                      // MacBook Pro (14-inch, 2021), M1 Pro
	"MacBookPro18,1": "16-inch MacBook Pro (M1 Pro 10-core CPU and 16-core GPU) 512GB - 2021",                     // MacBook Pro (16-inch, 2021), M1 Pro
	"MacBookPro18,2": "16-inch MacBook Pro (M1 Max 10-core CPU and 32-core GPU) 1TB - 2021",                       // MacBook Pro (16-inch, 2021), M1 Max
	"MacBookPro16,1": "16-inch MacBook Pro (2.6GHz 6-core CPU) 512GB - 2019",                                      // MacBook Pro (16-inch, 2019)
	"MacBookPro16,4": "16-inch MacBook Pro (2.6GHz 6-core CPU) 512GB - 2019",                                      // MacBook Pro (16-inch, 2019)
	"MacBookPro15,1": "15-inch MacBook Pro (2.6GHz 6-core CPU) 256GB - 2019",                                      // MacBook Pro (15-inch, 2018 and 2019)
	"MacBookPro15,3": "15-inch MacBook Pro (2.6GHz 6-core CPU) 256GB - 2019",                                      // MacBook Pro (15-inch, 2019)
	"MacBookPro12,1": "13-inch MacBook Pro with Retina display (2.7GHz CPU) 128GB - 2015",                         // MacBook Pro (Retina, 13-inch, Early 2015)
	"MacBookPro11,4": "15-inch MacBook Pro with Retina display (2.2GHz CPU) 256GB - 2015",                         // MacBook Pro (Retina, 15-inch, Mid 2015)
	"MacBookPro11,5": "15-inch MacBook Pro with Retina display (2.2GHz CPU) 256GB - 2015",                         // MacBook Pro (Retina, 15-inch, Mid 2015)
	"Macmini9,1":     "Mac mini (M1 2020) with 256GB",                                                             // Mac mini (M1, 2020)
	"iMac21,1":       "24-inch iMac with 4.5K Retina display (M1 CPU and 8-core GPU) 256GB - 2021",                // iMac (24-inch, M1, 2021), four ports
	"iMac21,2":       "24-inch iMac with 4.5K Retina display (M1 CPU and 7-core GPU) 256GB - 2021",                // iMac (24-inch, M1, 2021), two ports
	"iMac20,1":       "27-inch iMac with 5K Retina display (3.1GHz 6-core CPU) 256GB - 2020",                      // iMac (Retina 5K, 27-inch, 2020)
	"iMac19,1":       "27-inch iMac with 5K Retina display (3.0GHz 6-core CPU) 1TB - 2019",                        // iMac (Retina 5K, 27-inch, 2019)
	"iMac19,2":       "21.5-inch iMac with Retina 4K display (3.6GHz quad-core CPU) 1TB - 2019",                   // iMac (Retina 4K, 21.5-inch, 2019)
	"MacPro7,1":      "Mac Pro (3.5GHz 8-core CPU and Radeon Pro 580X GPU) with 32GB memory 256GB storage - 2019", // Mac Pro (2019)
}

// reAppleIdentifier is the shape of a Mac model identifier.
var reAppleIdentifier = regexp.MustCompile(`^(?:MacBookAir|MacBookPro|MacBook|Macmini|iMac|iMacPro|MacPro|Mac)\d+,\d+$`)

// reLenovoMTM is a Lenovo machine type-model ("20W0003AMX", "10MQS0UF00",
// older "2349ABG"): what SMBIOS type 1 "Product Name" holds on Lenovo
// hardware, so what Windows reports as Win32_ComputerSystem.Model (the
// agent's Linux reader takes product_version instead; see
// agent/internal/inventory/sysfs.go). Its first four characters are the
// machine type, which Lenovo's PSREF lists per product.
var reLenovoMTM = regexp.MustCompile(`^[0-9]{2}[0-9A-Z]{2}(?:[0-9A-Z]{3,6})?$`)

// machineType returns the four-character machine type of a Lenovo
// machine type-model string, or "".
func machineType(vendor, model string) string {
	if vendor != "lenovo" || !reLenovoMTM.MatchString(model) {
		return ""
	}
	return model[:4]
}
