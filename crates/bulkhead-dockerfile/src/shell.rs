//! Shell understanding of RUN commands. (Being written.)
