package app

// Version is this build's version, compared with the county's update
// manifest (keep it equal to FyneApp.toml's Version).
const Version = "0.2.0"
