

# ---- @@func@@ (lesson @@nn@@) ----------------------------------------------------------------------


@given(hnp.arrays(np.float64, hnp.array_shapes(max_dims=2, max_side=6),
                  elements=st.floats(-1e6, 1e6)))
def test_@@func@@_keeps_the_shape_and_leaves_its_input_alone(x):
    before = x.copy()
    y = @@func@@(x)
    assert y.shape == x.shape and y.dtype == np.float64
    np.testing.assert_array_equal(x, before)


def test_@@func@@_on_values_worked_out_by_hand():
    # TODO: the values the lesson works out on paper (this is the stand-in's identity)
    np.testing.assert_allclose(@@func@@(np.array([1.0, -2.0, 3.0])), [1.0, -2.0, 3.0])
