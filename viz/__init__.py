"""viz: everything that draws graphgrad's graphs. Reads the engine's public interface only."""
