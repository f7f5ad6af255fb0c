//! The topology of an engine (containers, networks, published ports) as DOT or SVG, with exposures marked.
//!
//! PLACEHOLDER: built with the network segmentation rules.
