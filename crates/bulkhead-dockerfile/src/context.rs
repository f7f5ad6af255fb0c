//! The build context and `.dockerignore`. (Being written.)
