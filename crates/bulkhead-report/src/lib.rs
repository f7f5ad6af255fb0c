//! Output formats for findings. (Being written.)
