package org.resnet4j.ops.nn;

import java.lang.reflect.Proxy;
import org.resnet4j.core.Backend;
import org.resnet4j.core.DType;
import org.resnet4j.core.Shape;
import org.resnet4j.core.Storage;
import org.resnet4j.core.Tensor;

/** A backend that can only allocate, to check that layers refuse tensors from another backend. */
final class FakeBackend {
    private FakeBackend() {}

    static Backend create(String name) {
        Backend[] self = new Backend[1];
        self[0] = (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[] {Backend.class}, (proxy, m, args) -> {
            switch (m.getName()) {
                case "name": return name;
                case "dtype": return DType.FLOAT32;
                case "zeros": return new Tensor(storage(self[0], Shape.numel((int[]) args[0])), (int[]) args[0]);
                case "toString": return name;
                case "hashCode": return System.identityHashCode(proxy);
                case "equals": return proxy == args[0];
                default: throw new UnsupportedOperationException(name + " backend cannot " + m.getName());
            }
        });
        return self[0];
    }

    private static Storage storage(Backend backend, long length) {
        return (Storage) Proxy.newProxyInstance(Storage.class.getClassLoader(), new Class<?>[] {Storage.class}, (proxy, m, args) -> {
            switch (m.getName()) {
                case "backend": return backend;
                case "length": return length;
                case "dtype": return DType.FLOAT32;
                case "hashCode": return System.identityHashCode(proxy);
                case "equals": return proxy == args[0];
                default: return "storage";
            }
        });
    }
}
