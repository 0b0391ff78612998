package lucid.safetensors;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes safetensors files as the reference implementation does: the header JSON padded with
 * spaces to a multiple of 8 bytes, tensors back to back in the order added. For tests only.
 */
public final class SafetensorsWriter {
    private record Pending(String name, Dtype dtype, long[] shape, byte[] data) {}

    private final List<Pending> tensors = new ArrayList<>();
    private final Map<String, String> metadata = new LinkedHashMap<>(Map.of("format", "pt"));

    /** Adds a tensor: row-major {@code shape}, {@code data} its bytes (little-endian). */
    public SafetensorsWriter add(String name, Dtype dtype, long[] shape, byte[] data) {
        long elements = 1;
        for (long d : shape) {
            elements *= d;
        }
        if (elements * dtype.size != data.length) {
            throw new IllegalArgumentException(name + ": " + data.length + " bytes for " + elements + " " + dtype);
        }
        tensors.add(new Pending(name, dtype, shape.clone(), data));
        return this;
    }

    public byte[] toBytes() {
        Map<String, Object> header = new LinkedHashMap<>();
        header.put("__metadata__", metadata);
        long offset = 0;
        for (Pending t : tensors) {
            header.put(t.name, Map.of("dtype", t.dtype.name(), "shape", t.shape, "data_offsets", new long[] {offset, offset + t.data.length}));
            offset += t.data.length;
        }
        byte[] json;
        try {
            json = new ObjectMapper().writeValueAsBytes(header);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        int padded = (json.length + 7) / 8 * 8;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded).array());
        out.writeBytes(json);
        out.writeBytes(" ".repeat(padded - json.length).getBytes(StandardCharsets.US_ASCII));
        for (Pending t : tensors) {
            out.writeBytes(t.data);
        }
        return out.toByteArray();
    }

    public Path write(Path file) {
        try {
            Files.write(file, toBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }
}
